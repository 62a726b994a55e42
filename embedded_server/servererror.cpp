#include "servererror.h"

#include "operationoutcome.h"

using namespace Qt::StringLiterals;

namespace fhir::server {

int httpStatus(ErrorKind kind)
{
    switch (kind) {
    case ErrorKind::Invalid:
        return 400;
    case ErrorKind::Unauthorized:
        return 401;
    case ErrorKind::Forbidden:
        return 403;
    case ErrorKind::NotFound:
        return 404;
    case ErrorKind::MethodNotAllowed:
        return 405;
    case ErrorKind::NotAcceptable:
        return 406;
    case ErrorKind::Conflict:
        return 409;
    case ErrorKind::Gone:
        return 410;
    case ErrorKind::PreconditionFailed:
        return 412;
    case ErrorKind::TooLarge:
        return 413;
    case ErrorKind::UnsupportedMediaType:
        return 415;
    case ErrorKind::MisdirectedRequest:
        return 421;
    case ErrorKind::Unprocessable:
        return 422;
    case ErrorKind::Internal:
        return 500;
    }
    return 500;
}

QString issueType(ErrorKind kind)
{
    switch (kind) {
    case ErrorKind::Invalid:
    case ErrorKind::Unprocessable:
        return u"invalid"_s;
    case ErrorKind::NotFound:
        return u"not-found"_s;
    case ErrorKind::Unauthorized:
        return u"login"_s;
    case ErrorKind::MethodNotAllowed:
    case ErrorKind::NotAcceptable:
    case ErrorKind::UnsupportedMediaType:
        return u"not-supported"_s;
    case ErrorKind::Conflict:
    case ErrorKind::PreconditionFailed:
        return u"conflict"_s;
    case ErrorKind::Gone:
        return u"deleted"_s;
    case ErrorKind::TooLarge:
        return u"too-costly"_s;
    case ErrorKind::MisdirectedRequest:
    case ErrorKind::Forbidden:
        return u"security"_s;
    case ErrorKind::Internal:
        return u"exception"_s;
    }
    return u"exception"_s;
}

Response errorResponse(const ServerError &error)
{
    const IssueSeverity severity
        = error.kind == ErrorKind::Internal ? IssueSeverity::Fatal : IssueSeverity::Error;
    const nlohmann::json outcome = operationOutcome(
        error.issues.isEmpty()
            ? QList<Issue>{{severity, issueType(error.kind), error.diagnostics, error.expression}}
            : error.issues);
    // resourceType first, as FHIR JSON is usually written (nlohmann::json sorts its keys).
    nlohmann::ordered_json ordered;
    ordered["resourceType"] = "OperationOutcome";
    ordered["issue"] = nlohmann::ordered_json::parse(outcome.at("issue").dump());

    Response response;
    response.status = httpStatus(error.kind);
    response.headers = error.headers;
    response.setHeader("Content-Type", "application/fhir+json; charset=utf-8");
    response.body = QByteArray::fromStdString(ordered.dump());
    return response;
}

} // namespace fhir::server

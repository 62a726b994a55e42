#pragma once

#include "operationoutcome.h"
#include "request.h"

#include <QString>
#include <QStringList>

#include <optional>

namespace fhir::server {

/// What went wrong with a request, independent of HTTP. errorResponse() is the one place
/// that turns a kind into a status code and an OperationOutcome issue type.
enum class ErrorKind {
    Invalid, ///< 400: malformed JSON, bad parameter, id mismatch
    Unauthorized, ///< 401: no credentials, or not valid ones
    Forbidden, ///< 403: refused whoever asks (a cross-origin write from an origin not allowed)
    NotFound, ///< 404: unknown path, resource type or id
    MethodNotAllowed, ///< 405
    NotAcceptable, ///< 406: the client asked for a format the server does not speak
    Conflict, ///< 409
    Gone, ///< 410: the resource was deleted
    PreconditionFailed, ///< 412: If-Match names a version that is not the current one
    TooLarge, ///< 413: request body over the limit
    UnsupportedMediaType, ///< 415: body in a content type the server does not read
    MisdirectedRequest, ///< 421: Host header names another server (DNS rebinding defence)
    Unprocessable, ///< 422: well-formed but not a valid resource
    Internal, ///< 500: a bug or a storage failure, never the client's fault
};

struct ServerError
{
    ErrorKind kind = ErrorKind::Internal;
    QString diagnostics; ///< words a developer can act on; never PHI
    QStringList expression; ///< FHIRPath of the offending element, when there is one
    HeaderList headers; ///< extra headers for the response (Allow on 405)
    /// Every issue, when there are several (validation); the first one is summed up above.
    QList<Issue> issues;
};

/// The HTTP status of an error kind.
int httpStatus(ErrorKind kind);
/// The OperationOutcome.issue.code (http://hl7.org/fhir/issue-type) of an error kind.
QString issueType(ErrorKind kind);

/// The OperationOutcome response for an error, with its status; the body is compact JSON.
Response errorResponse(const ServerError &error);

} // namespace fhir::server

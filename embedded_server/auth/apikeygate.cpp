#include "apikeygate.h"

#include "apikeys.h"

#include "embedded_server/fhirserver.h"

using namespace Qt::StringLiterals;

namespace fhir::server {

namespace {

ServerError unauthorized(const QString &why)
{
    // RFC 9110 §11.6.1: a 401 carries a challenge. API keys have no registered scheme; this
    // one names the header to send, as API gateways commonly do.
    return ServerError{ErrorKind::Unauthorized,
                       why,
                       {},
                       {{"WWW-Authenticate", R"(ApiKey realm="FHIR Portal", header="x-api-key")"}},
                       {}};
}

} // namespace

ApiKeyGate::ApiKeyGate(ApiKeyStore &keys)
    : m_keys(keys)
{
}

bool ApiKeyGate::isPublic(const Request &request)
{
    const QString metadata = FhirServer::basePath() + u"/metadata"_s;
    return request.method == "GET" && (request.path == metadata || request.path == metadata + u'/');
}

std::optional<ServerError> ApiKeyGate::check(const Request &request)
{
    if (isPublic(request))
        return std::nullopt;
    const QByteArray key = request.header(kHeader.toByteArray()).trimmed();
    if (key.isEmpty())
        return unauthorized(u"this server needs an API key: send it in the x-api-key header"_s);
    auto valid = m_keys.verify(key);
    if (!valid)
        return ServerError{ErrorKind::Internal, u"cannot check the API key"_s, {}, {}, {}};
    if (!*valid)
        return unauthorized(u"the API key in the x-api-key header is not valid: it is unknown, "
                            "revoked or mistyped"_s);
    return std::nullopt;
}

nlohmann::ordered_json ApiKeyGate::capabilitySecurity(bool required)
{
    // The HTTP listener answers CORS (preflights, Access-Control-Allow-Origin) for the
    // server's own origins and those its owner allows; other origins are refused.
    static const char *const corsText
        = " Browsers may call it from its own origin and from origins its owner allows "
          "(fhir-portal serve --cors-origin).";
    // R4 has no restful-security-service code for API keys, so the service is text only.
    if (!required) {
        return {{"cors", true},
                {"description",
                 std::string("No authentication: the owner started this server without "
                             "API keys.")
                     + corsText}};
    }
    return {{"cors", true},
            {"service", nlohmann::ordered_json::array({{{"text", "API key"}}})},
            {"description",
             std::string("Send an API key of this server in the x-api-key header with every "
                         "request; only GET [base]/metadata is public. A request without a "
                         "valid key gets 401 Unauthorized.")
                 + corsText}};
}

} // namespace fhir::server

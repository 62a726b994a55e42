#include "authgate.h"

#include "apikeygate.h"
#include "externalprovider.h"
#include "tokenverifier.h"

using namespace Qt::StringLiterals;

namespace fhir::server {

namespace {

constexpr QByteArrayView kBearerRealm = R"(Bearer realm="FHIR Portal")";
constexpr QByteArrayView kApiKeyRealm = R"(ApiKey realm="FHIR Portal", header="x-api-key")";

/// A value fit for a quoted-string of a challenge (RFC 9110 §5.6.4).
QByteArray quoted(const QString &text)
{
    QByteArray out = text.toLatin1();
    out.replace('\\', "\\\\").replace('"', "'");
    return '"' + out + '"';
}

ServerError unauthorized(const QString &why, QByteArray challenge)
{
    return ServerError{ErrorKind::Unauthorized, why, {}, {{"WWW-Authenticate", challenge}}, {}};
}

} // namespace

AuthGate::AuthGate(Methods methods)
    : m_methods(methods)
{
}

QByteArray AuthGate::challenges() const
{
    QByteArray out;
    if (takesTokens())
        out += kBearerRealm.toByteArray();
    if (m_methods.apiKeys)
        out += (out.isEmpty() ? "" : ", ") + kApiKeyRealm.toByteArray();
    return out;
}

ServerError AuthGate::insufficientScope(const QString &why)
{
    return ServerError{
        ErrorKind::Forbidden,
        why,
        {},
        {{"WWW-Authenticate", kBearerRealm.toByteArray() + R"(, error="insufficient_scope")"}},
        {}};
}

std::variant<Principal, ServerError> AuthGate::check(const Request &request, const QString &baseUrl)
{
    if ((!m_methods.apiKeys && !takesTokens()) || ApiKeyGate::isPublic(request))
        return Principal{};
    const QByteArray authorization = request.header("Authorization").trimmed();
    if (authorization.size() > 7 && authorization.left(7).toLower() == "bearer ") {
        if (!takesTokens())
            return unauthorized(u"this server takes API keys, not bearer tokens: send the key in "
                                "the x-api-key header"_s,
                                challenges());
        const QByteArray token = authorization.mid(7).trimmed();
        TokenVerdict verdict = m_methods.localTokens ? m_methods.localTokens->verify(token, baseUrl)
                                                     : TokenVerdict::refused(QString());
        if (!verdict.principal && !verdict.serverFault && m_methods.externalTokens)
            verdict = m_methods.externalTokens->verify(token, baseUrl);
        if (verdict.serverFault)
            return ServerError{ErrorKind::Internal, verdict.problem, {}, {}, {}};
        if (!verdict.principal)
            return unauthorized(verdict.problem,
                                kBearerRealm.toByteArray() + R"(, error="invalid_token", )"
                                    + "error_description=" + quoted(verdict.problem));
        return std::move(*verdict.principal);
    }
    if (m_methods.apiKeys && !request.header(ApiKeyGate::kHeader.toByteArray()).isEmpty()) {
        if (auto refused = m_methods.apiKeys->check(request)) {
            if (takesTokens() && refused->kind == ErrorKind::Unauthorized)
                refused->headers = {{"WWW-Authenticate", challenges()}};
            return std::move(*refused);
        }
        return Principal{};
    }
    QString why;
    if (m_methods.apiKeys && takesTokens())
        why = u"this server needs credentials: an access token (Authorization: Bearer) or an "
              "API key (x-api-key header)"_s;
    else if (m_methods.apiKeys)
        why = u"this server needs an API key: send it in the x-api-key header"_s;
    else
        why = u"this server needs an access token: send it as Authorization: Bearer <token>"_s;
    return unauthorized(why, challenges());
}

} // namespace fhir::server

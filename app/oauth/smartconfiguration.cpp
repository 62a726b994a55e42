#include "smartconfiguration.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace fhir::app {

namespace {

QStringList strings(const QJsonValue &value)
{
    QStringList out;
    for (const QJsonValue &item : value.toArray())
        out.append(item.toString());
    return out;
}

/// An endpoint URL: absolute, http or https.
QUrl endpoint(const QJsonObject &json, QLatin1StringView name)
{
    const QUrl url(json.value(name).toString(), QUrl::StrictMode);
    if (!url.isValid() || (url.scheme() != u"https"_s && url.scheme() != u"http"_s)
        || url.host().isEmpty())
        return {};
    return url;
}

} // namespace

QUrl SmartConfiguration::discoveryUrl(const QUrl &baseUrl)
{
    QUrl url = baseUrl;
    QString path = url.path();
    while (path.endsWith(u'/'))
        path.chop(1);
    url.setPath(path + u"/.well-known/smart-configuration"_s);
    url.setQuery(QString());
    return url;
}

Result<SmartConfiguration> SmartConfiguration::parse(const QByteArray &json)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(json, &error);
    if (!document.isObject())
        return Error{u"the SMART configuration is not a JSON object"_s};
    const QJsonObject o = document.object();
    SmartConfiguration c;
    c.authorizationEndpoint = endpoint(o, "authorization_endpoint"_L1);
    c.tokenEndpoint = endpoint(o, "token_endpoint"_L1);
    c.revocationEndpoint = endpoint(o, "revocation_endpoint"_L1);
    c.introspectionEndpoint = endpoint(o, "introspection_endpoint"_L1);
    c.issuer = o.value("issuer"_L1).toString();
    c.capabilities = strings(o.value("capabilities"_L1));
    c.scopesSupported = strings(o.value("scopes_supported"_L1));
    c.codeChallengeMethods = strings(o.value("code_challenge_methods_supported"_L1));
    if (!c.authorizationEndpoint.isValid())
        return Error{u"the SMART configuration has no authorization_endpoint"_s};
    if (!c.tokenEndpoint.isValid())
        return Error{u"the SMART configuration has no token_endpoint"_s};
    if (!c.codeChallengeMethods.contains(u"S256"_s))
        return Error{u"the server does not say it takes PKCE with S256 "
                     "(code_challenge_methods_supported); this app logs in only with it"_s};
    return c;
}

} // namespace fhir::app

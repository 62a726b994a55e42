#include "tokenset.h"

#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace fhir::app {

Result<TokenSet> TokenSet::parse(const QByteArray &json, qint64 nowMs)
{
    const QJsonDocument document = QJsonDocument::fromJson(json);
    if (!document.isObject())
        return Error{u"the token endpoint's answer is not JSON"_s};
    const QJsonObject o = document.object();
    if (o.contains("error"_L1))
        return Error{errorOf(json)};
    TokenSet t;
    t.accessToken = o.value("access_token"_L1).toString().toLatin1();
    if (t.accessToken.isEmpty())
        return Error{u"the token endpoint sent no access_token"_s};
    if (o.value("token_type"_L1).toString().compare(u"Bearer"_s, Qt::CaseInsensitive) != 0)
        return Error{u"the token endpoint sent a token of type '%1', not Bearer"_s.arg(
            o.value("token_type"_L1).toString().left(40))};
    t.refreshToken = o.value("refresh_token"_L1).toString().toLatin1();
    t.idToken = o.value("id_token"_L1).toString().toLatin1();
    t.scope = o.value("scope"_L1).toString();
    t.patient = o.value("patient"_L1).toString();
    const qint64 expiresIn = o.value("expires_in"_L1).toInteger(0);
    if (expiresIn > 0)
        t.expiresAtMs = nowMs + expiresIn * 1000;
    return t;
}

QString TokenSet::errorOf(const QByteArray &json)
{
    const QJsonObject o = QJsonDocument::fromJson(json).object();
    const QString error = o.value("error"_L1).toString();
    if (error.isEmpty())
        return u"the token endpoint refused the request"_s;
    const QString description = o.value("error_description"_L1).toString().left(300);
    return description.isEmpty() ? error : error + u": "_s + description;
}

} // namespace fhir::app

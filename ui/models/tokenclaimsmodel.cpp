#include "tokenclaimsmodel.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>

using namespace Qt::StringLiterals;

namespace fhir::ui {

namespace {

QJsonObject part(const QByteArray &encoded)
{
    const auto decoded = QByteArray::fromBase64Encoding(
        encoded, QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return {};
    return QJsonDocument::fromJson(decoded.decoded).object();
}

QString text(const QJsonValue &value)
{
    if (value.isString())
        return value.toString();
    if (value.isDouble())
        return QString::number(value.toInteger());
    if (value.isBool())
        return value.toBool() ? u"true"_s : u"false"_s;
    if (value.isArray())
        return QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
    if (value.isObject())
        return QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
    return {};
}

} // namespace

TokenClaimsModel::TokenClaimsModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

bool TokenClaimsModel::setToken(const QByteArray &token, qint64 nowMs)
{
    const QList<QByteArray> parts = token.split('.');
    const QJsonObject header = parts.size() == 3 ? part(parts[0]) : QJsonObject();
    const QJsonObject claims = parts.size() == 3 ? part(parts[1]) : QJsonObject();
    beginResetModel();
    m_rows.clear();
    m_nowMs = nowMs;
    const bool jwt = !header.isEmpty() && !claims.isEmpty();
    if (jwt) {
        for (auto it = header.begin(); it != header.end(); ++it)
            m_rows.append({true, it.key(), it.value(), meaningOf(it.key(), it.value(), true)});
        for (auto it = claims.begin(); it != claims.end(); ++it)
            m_rows.append({false, it.key(), it.value(), meaningOf(it.key(), it.value(), false)});
    }
    endResetModel();
    return jwt;
}

void TokenClaimsModel::clear()
{
    beginResetModel();
    m_rows.clear();
    endResetModel();
}

QJsonValue TokenClaimsModel::claim(const QString &name, bool header) const
{
    for (const Row &row : m_rows) {
        if (row.header == header && row.name == name)
            return row.value;
    }
    return {};
}

QString TokenClaimsModel::meaningOf(const QString &name, const QJsonValue &value, bool header) const
{
    if (header) {
        if (name == u"alg"_s)
            return tr("signature algorithm");
        if (name == u"kid"_s)
            return tr("the signing key, in the server's JWKS");
        if (name == u"typ"_s)
            return value.toString() == u"at+jwt"_s ? tr("an access token (RFC 9068)")
                                                   : tr("token type");
        return {};
    }
    const QLocale locale;
    auto when = [&](qint64 seconds) -> QString {
        const QDateTime at = QDateTime::fromSecsSinceEpoch(seconds).toLocalTime();
        const qint64 minutes = (seconds * 1000 - m_nowMs) / 60000;
        const qint64 count = minutes >= 0 ? minutes : -minutes;
        const QString unit = count == 1 ? tr("minute") : tr("minutes");
        const QString relative = minutes >= 0 ? tr("in %1 %2").arg(count).arg(unit)
                                              : tr("%1 %2 ago").arg(count).arg(unit);
        return locale.toString(at, QLocale::ShortFormat) + u", "_s + relative;
    };
    if (name == u"exp"_s)
        return (value.toInteger() * 1000 <= m_nowMs ? tr("expired at ") : tr("expires at "))
            + when(value.toInteger());
    if (name == u"iat"_s)
        return tr("issued at ") + when(value.toInteger());
    if (name == u"nbf"_s)
        return tr("not valid before ") + when(value.toInteger());
    if (name == u"iss"_s)
        return tr("issuer: the authorization server");
    if (name == u"aud"_s)
        return tr("audience: the FHIR server it is for");
    if (name == u"sub"_s)
        return tr("subject: who logged in");
    if (name == u"scope"_s || name == u"scp"_s)
        return tr("granted scopes");
    if (name == u"patient"_s)
        return tr("the patient in context");
    if (name == u"fhirUser"_s)
        return tr("the FHIR resource of the user");
    if (name == u"client_id"_s || name == u"azp"_s)
        return tr("the application");
    if (name == u"jti"_s)
        return tr("the token's own id");
    return {};
}

int TokenClaimsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int TokenClaimsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TokenClaimsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)
        || role != Qt::DisplayRole)
        return {};
    const Row &row = m_rows.at(index.row());
    switch (index.column()) {
    case PartColumn:
        return row.header ? tr("header") : tr("claim");
    case NameColumn:
        return row.name;
    case ValueColumn:
        return text(row.value);
    case MeaningColumn:
        return row.meaning;
    }
    return {};
}

QVariant TokenClaimsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case PartColumn:
        return tr("Part");
    case NameColumn:
        return tr("Name");
    case ValueColumn:
        return tr("Value");
    case MeaningColumn:
        return tr("Meaning");
    }
    return {};
}

} // namespace fhir::ui

#include "formdata.h"

#include <QUrl>

using namespace Qt::StringLiterals;

namespace fhir::server::form {

namespace {

QString decode(QByteArrayView part)
{
    QByteArray bytes = part.toByteArray();
    bytes.replace('+', ' ');
    return QString::fromUtf8(QByteArray::fromPercentEncoding(bytes));
}

} // namespace

Items parse(QByteArrayView encoded)
{
    Items items;
    for (const QByteArrayView pair :
         QByteArray::fromRawData(encoded.data(), encoded.size()).split('&')) {
        if (pair.isEmpty())
            continue;
        const qsizetype equals = pair.indexOf('=');
        if (equals < 0)
            items.append({decode(pair), QString()});
        else
            items.append({decode(pair.first(equals)), decode(pair.sliced(equals + 1))});
    }
    return items;
}

QByteArray encode(const Items &items)
{
    QByteArray out;
    for (const auto &[name, value] : items) {
        if (!out.isEmpty())
            out += '&';
        out += QUrl::toPercentEncoding(name) + '=' + QUrl::toPercentEncoding(value);
    }
    return out;
}

QString value(const Items &items, const QString &name)
{
    for (const auto &[key, value] : items) {
        if (key == name)
            return value.isNull() ? u""_s : value;
    }
    return {};
}

qsizetype count(const Items &items, const QString &name)
{
    return std::count_if(items.begin(), items.end(),
                         [&](const auto &item) { return item.first == name; });
}

QByteArray cookie(const Request &request, QByteArrayView name)
{
    for (const auto &[header, value] : request.headers) {
        if (header.compare("cookie", Qt::CaseInsensitive) != 0)
            continue;
        for (QByteArray pair : value.split(';')) {
            pair = pair.trimmed();
            const qsizetype equals = pair.indexOf('=');
            if (equals > 0 && QByteArrayView(pair).first(equals) == name)
                return pair.mid(equals + 1);
        }
    }
    return {};
}

std::optional<std::pair<QString, QString>> basicCredentials(const Request &request)
{
    const QByteArray header = request.header("Authorization").trimmed();
    if (header.size() < 6 || header.left(6).toLower() != "basic ")
        return std::nullopt;
    const auto decoded = QByteArray::fromBase64Encoding(header.mid(6).trimmed(),
                                                        QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return std::nullopt;
    const QByteArray &pair = decoded.decoded;
    const qsizetype colon = pair.indexOf(':');
    if (colon <= 0)
        return std::nullopt;
    return std::pair{decode(QByteArrayView(pair).first(colon)),
                     decode(QByteArrayView(pair).sliced(colon + 1))};
}

QByteArray bearerToken(const Request &request)
{
    const QByteArray header = request.header("Authorization").trimmed();
    if (header.size() < 7 || header.left(7).toLower() != "bearer ")
        return {};
    return header.mid(7).trimmed();
}

QString escapeHtml(const QString &text)
{
    QString out = text.toHtmlEscaped();
    out.replace(u'\'', u"&#39;"_s);
    return out;
}

} // namespace fhir::server::form

#include "wirerequest.h"

namespace fhir::app {

namespace {

// Unreserved characters are never encoded; these keep their FHIR search meaning visible.
const QByteArray kQueryKeep = QByteArrayLiteral(",:/$");

bool hasHeader(const HeaderList &headers, const QByteArray &name)
{
    for (const auto &header : headers) {
        if (header.first.compare(name, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

} // namespace

QByteArray encodedQuery(const QList<QPair<QString, QString>> &query)
{
    QByteArray out;
    for (const auto &[name, value] : query) {
        if (!out.isEmpty())
            out += '&';
        out += QUrl::toPercentEncoding(name, kQueryKeep);
        out += '=';
        out += QUrl::toPercentEncoding(value, kQueryKeep);
    }
    return out;
}

QList<QPair<QString, QString>> decodedQuery(const QByteArray &query)
{
    QList<QPair<QString, QString>> out;
    for (const QByteArray &item : query.split('&')) {
        if (item.isEmpty())
            continue;
        const qsizetype eq = item.indexOf('=');
        const QByteArray name = eq < 0 ? item : item.left(eq);
        const QByteArray value = eq < 0 ? QByteArray() : item.mid(eq + 1);
        out.append({QString::fromUtf8(QByteArray::fromPercentEncoding(name)),
                    QString::fromUtf8(QByteArray::fromPercentEncoding(value))});
    }
    return out;
}

QUrl requestUrl(const ApiRequest &request, const Endpoint &endpoint)
{
    QString text;
    const QUrl given(request.path);
    if (!request.path.isEmpty() && !given.scheme().isEmpty()) {
        text = request.path;
    } else {
        text = endpoint.baseUrl.toString(QUrl::FullyEncoded);
        while (text.endsWith(QLatin1Char('/')))
            text.chop(1);
        QString path = request.path;
        while (path.startsWith(QLatin1Char('/')))
            path.remove(0, 1);
        // Each segment encoded on its own: an id cannot smuggle a '/' or a '?' in.
        QStringList segments = path.split(QLatin1Char('/'));
        for (QString &segment : segments)
            segment = QString::fromLatin1(QUrl::toPercentEncoding(segment, "$"));
        if (!path.isEmpty())
            text += QLatin1Char('/') + segments.join(QLatin1Char('/'));
        else if (request.method == "POST" || !request.query.isEmpty())
            text += QLatin1Char('/'); // the system level: POST [base]/, GET [base]/?_type=
    }
    if (!request.query.isEmpty()) {
        text += text.contains(QLatin1Char('?')) ? QLatin1Char('&') : QLatin1Char('?');
        text += QString::fromLatin1(encodedQuery(request.query));
    }
    return QUrl(text, QUrl::StrictMode);
}

HeaderList wireHeaders(const ApiRequest &request, const Endpoint &endpoint)
{
    HeaderList out = request.headers;
    if (!hasHeader(out, "Accept"))
        out.append({QByteArrayLiteral("Accept"), QByteArray(kFhirJson)});
    if (!request.body.isEmpty() && !hasHeader(out, "Content-Type"))
        out.append({QByteArrayLiteral("Content-Type"), QByteArray(kFhirJson)});
    for (const auto &header : endpoint.headers) {
        if (!hasHeader(out, header.first))
            out.append(header);
    }
    if (!endpoint.apiKey.isEmpty() && !hasHeader(out, "x-api-key"))
        out.append({QByteArrayLiteral("x-api-key"), endpoint.apiKey});
    return out;
}

bool isSecretHeader(const QByteArray &name)
{
    for (const char *secret : {"x-api-key", "authorization", "proxy-authorization", "cookie",
                               "api-key", "ocp-apim-subscription-key"}) {
        if (name.trimmed().compare(secret, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

QByteArray headerValue(const HeaderList &headers, const QByteArray &name)
{
    for (const auto &header : headers) {
        if (header.first.compare(name, Qt::CaseInsensitive) == 0)
            return header.second;
    }
    return {};
}

} // namespace fhir::app

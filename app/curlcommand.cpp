#include "curlcommand.h"

#include "app/wirerequest.h"

#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace fhir::app {

namespace {

QString secretReference(const QByteArray &name, const QByteArray &value, SecretMode mode)
{
    if (mode == SecretMode::Full)
        return QString::fromUtf8(value);
    const bool bearer = value.startsWith("Bearer ");
    if (mode == SecretMode::Masked)
        return bearer ? u"Bearer ********"_s : u"********"_s;
    if (name.compare("x-api-key", Qt::CaseInsensitive) == 0)
        return u"$FHIR_API_KEY"_s;
    return bearer ? u"Bearer $FHIR_ACCESS_TOKEN"_s : u"$FHIR_AUTHORIZATION"_s;
}

// Bodies are JSON: its text goes in single quotes as it is, newlines included.
QString headerOption(const QByteArray &name, const QByteArray &value, SecretMode mode)
{
    if (!isSecretHeader(name) || mode != SecretMode::EnvironmentVariable)
        return u"-H "_s
            + shellQuoted(QString::fromUtf8(name) + u": "_s
                          + (isSecretHeader(name) ? secretReference(name, value, mode)
                                                  : QString::fromUtf8(value)));
    // Double quotes so the shell expands the variable; the name is a plain token.
    return u"-H \""_s + QString::fromUtf8(name) + u": "_s + secretReference(name, value, mode)
        + u"\""_s;
}

bool isDefaultHeader(const QPair<QByteArray, QByteArray> &header)
{
    return (header.first.compare("Accept", Qt::CaseInsensitive) == 0
            || header.first.compare("Content-Type", Qt::CaseInsensitive) == 0)
        && header.second == kFhirJson;
}

QString baseText(const Endpoint &endpoint)
{
    QString base = endpoint.baseUrl.toString(QUrl::FullyEncoded);
    while (base.endsWith(u'/'))
        base.chop(1);
    return base;
}

} // namespace

QString shellQuoted(const QString &text)
{
    static const QRegularExpression safe(u"^[A-Za-z0-9_@%+=:,./-]+$"_s);
    if (!text.isEmpty() && safe.match(text).hasMatch())
        return text;
    QString out = text;
    out.replace(u'\'', u"'\\''"_s);
    return u'\'' + out + u'\'';
}

QString toCurl(const ApiRequest &request, const Endpoint &endpoint, SecretMode mode)
{
    QStringList parts{u"curl -i"_s};
    if (request.method != "GET")
        parts.first() += u" -X "_s + shellQuoted(QString::fromLatin1(request.method));
    parts.first() += u' ' + shellQuoted(requestUrl(request, endpoint).toString(QUrl::FullyEncoded));
    for (const auto &[name, value] : wireHeaders(request, endpoint))
        parts.append(headerOption(name, value, mode));
    if (!request.body.isEmpty())
        parts.append(u"--data-binary "_s + shellQuoted(QString::fromUtf8(request.body)));
    return parts.join(u" \\\n  "_s);
}

Result<QStringList> shellWords(const QString &text)
{
    QStringList words;
    QString word;
    bool inWord = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (c == u'\'') {
            const qsizetype end = text.indexOf(u'\'', i + 1);
            if (end < 0)
                return Error{QObject::tr("a single quote is not closed")};
            word += text.mid(i + 1, end - i - 1);
            inWord = true;
            i = end;
        } else if (c == u'"') {
            qsizetype j = i + 1;
            for (; j < text.size() && text.at(j) != u'"'; ++j) {
                const QChar d = text.at(j);
                if (d == u'\\' && j + 1 < text.size()) {
                    const QChar next = text.at(j + 1);
                    if (next == u'\n') {
                        ++j; // a line continuation inside double quotes
                        continue;
                    }
                    if (next == u'"' || next == u'\\' || next == u'$' || next == u'`') {
                        word += next;
                        ++j;
                        continue;
                    }
                }
                word += d;
            }
            if (j >= text.size())
                return Error{QObject::tr("a double quote is not closed")};
            inWord = true;
            i = j;
        } else if (c == u'\\') {
            if (i + 1 < text.size()) {
                if (text.at(i + 1) != u'\n') {
                    word += text.at(i + 1);
                    inWord = true;
                }
                ++i;
            }
        } else if (c == u' ' || c == u'\t' || c == u'\n' || c == u'\r') {
            if (inWord)
                words.append(word);
            word.clear();
            inWord = false;
        } else {
            word += c;
            inWord = true;
        }
    }
    if (inWord)
        words.append(word);
    return words;
}

Result<ApiRequest> parseCurl(const QString &text, const Endpoint &endpoint)
{
    const Result<QStringList> parsed = shellWords(text.trimmed());
    if (!parsed)
        return Error{parsed.error()};
    QStringList words = *parsed;
    if (!words.isEmpty() && words.first() == u"$"_s)
        words.removeFirst(); // a copied prompt
    if (words.isEmpty())
        return Error{QObject::tr("nothing to read: paste a cURL command or a URL")};

    QString method;
    QString url;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray data;
    bool hasData = false;
    bool get = false;

    if (words.first() != u"curl"_s) {
        // A plain URL, or "METHOD URL" as HTTP request lines and API docs write it.
        static const QRegularExpression verb(u"^[A-Z]+$"_s);
        if (words.size() == 2 && verb.match(words.first()).hasMatch()) {
            method = words.first();
            url = words.at(1);
        } else if (words.size() == 1) {
            url = words.first();
        } else {
            return Error{QObject::tr("this is neither a cURL command nor a URL")};
        }
    } else {
        static const QStringList ignored
            = {u"-i"_s,           u"--include"_s, u"-s"_s,        u"--silent"_s,  u"-S"_s,
               u"--show-error"_s, u"-v"_s,        u"--verbose"_s, u"-L"_s,        u"--location"_s,
               u"--compressed"_s, u"-f"_s,        u"--fail"_s,    u"-sS"_s,       u"-is"_s,
               u"-si"_s,          u"-sSi"_s,      u"-iS"_s,       u"--globoff"_s, u"-g"_s};
        for (qsizetype i = 1; i < words.size(); ++i) {
            const QString &w = words.at(i);
            auto argument = [&](QString *out) -> bool {
                if (i + 1 >= words.size())
                    return false;
                *out = words.at(++i);
                return true;
            };
            QString value;
            if (w == u"-X"_s || w == u"--request"_s) {
                if (!argument(&method))
                    return Error{QObject::tr("%1 needs a method").arg(w)};
            } else if (w.startsWith(u"-X"_s) && w.size() > 2) {
                method = w.mid(2);
            } else if (w == u"-H"_s || w == u"--header"_s) {
                if (!argument(&value))
                    return Error{QObject::tr("%1 needs a header").arg(w)};
                const qsizetype colon = value.indexOf(u':');
                if (colon <= 0)
                    return Error{QObject::tr("the header '%1' has no name").arg(value)};
                headers.append({value.left(colon).trimmed().toUtf8(),
                                value.mid(colon + 1).trimmed().toUtf8()});
            } else if (w == u"-d"_s || w == u"--data"_s || w == u"--data-raw"_s
                       || w == u"--data-binary"_s || w == u"--data-ascii"_s) {
                if (!argument(&value))
                    return Error{QObject::tr("%1 needs data").arg(w)};
                if (value.startsWith(u'@') && w != u"--data-raw"_s)
                    return Error{QObject::tr("%1 %2 reads the body from a file; paste the "
                                             "body itself instead")
                                     .arg(w, value)};
                if (hasData)
                    data += '&'; // curl joins repeated data with '&'
                data += value.toUtf8();
                hasData = true;
            } else if (w == u"--url"_s) {
                if (!argument(&url))
                    return Error{QObject::tr("--url needs a URL")};
            } else if (w == u"-G"_s || w == u"--get"_s) {
                get = true;
            } else if (ignored.contains(w)) {
                continue;
            } else if (w.startsWith(u'-')) {
                return Error{QObject::tr("the cURL option %1 is not understood here").arg(w)};
            } else if (url.isEmpty()) {
                url = w;
            } else {
                return Error{QObject::tr("more than one URL: %1 and %2").arg(url, w)};
            }
        }
    }
    if (url.isEmpty())
        return Error{QObject::tr("the command has no URL")};
    const QUrl parsedUrl(url, QUrl::StrictMode);
    if (!parsedUrl.isValid() || parsedUrl.scheme().isEmpty()
        || !(parsedUrl.scheme() == u"http"_s || parsedUrl.scheme() == u"https"_s))
        return Error{QObject::tr("'%1' is not an http or https URL").arg(url)};

    ApiRequest request;
    const QByteArray encoded = url.toUtf8();
    const qsizetype questionMark = encoded.indexOf('?');
    const QByteArray beforeQuery = questionMark < 0 ? encoded : encoded.left(questionMark);
    if (questionMark >= 0)
        request.query = decodedQuery(encoded.mid(questionMark + 1));
    if (get && hasData) {
        request.query.append(decodedQuery(data));
        hasData = false;
        data.clear();
    }
    const QString base = baseText(endpoint);
    const QString address = QString::fromUtf8(beforeQuery);
    if (!base.isEmpty() && (address == base || address.startsWith(base + u'/'))) {
        request.path = QString::fromUtf8(
            QByteArray::fromPercentEncoding(address.mid(base.size() + 1).toUtf8()));
        while (request.path.endsWith(u'/'))
            request.path.chop(1);
    } else {
        request.path = address;
    }
    if (method.isEmpty())
        method = hasData ? u"POST"_s : u"GET"_s;
    request.method = method.toUpper().toLatin1();
    request.body = data;
    for (const auto &header : headers) {
        if (isSecretHeader(header.first) || isDefaultHeader(header)
            || endpoint.headers.contains(header))
            continue;
        request.headers.append(header);
    }
    return request;
}

} // namespace fhir::app

#include "remoteprobe.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPointer>
#include <QSslError>

using namespace Qt::StringLiterals;

namespace fhir::app {

namespace {

QUrl metadataUrl(QUrl base)
{
    QString path = base.path();
    while (path.endsWith(u'/'))
        path.chop(1);
    base.setPath(path + u"/metadata"_s);
    return base;
}

// Which FHIR release a version string belongs to, for the message.
QString releaseName(const QString &version)
{
    if (version.startsWith(u"1.0"_s))
        return u"DSTU2"_s;
    if (version.startsWith(u"3.0"_s))
        return u"STU3"_s;
    if (version.startsWith(u"4.0"_s))
        return u"R4"_s;
    if (version.startsWith(u"4.3"_s))
        return u"R4B"_s;
    if (version.startsWith(u"5.0"_s))
        return u"R5"_s;
    return {};
}

bool isConnectionError(QNetworkReply::NetworkError error)
{
    switch (error) {
    case QNetworkReply::ConnectionRefusedError:
    case QNetworkReply::RemoteHostClosedError:
    case QNetworkReply::HostNotFoundError:
    case QNetworkReply::TimeoutError:
    case QNetworkReply::OperationCanceledError:
    case QNetworkReply::TemporaryNetworkFailureError:
    case QNetworkReply::NetworkSessionFailedError:
    case QNetworkReply::UnknownNetworkError:
    case QNetworkReply::ProxyConnectionRefusedError:
    case QNetworkReply::ProxyConnectionClosedError:
    case QNetworkReply::ProxyNotFoundError:
    case QNetworkReply::ProxyTimeoutError:
        return true;
    default:
        return false;
    }
}

} // namespace

RemoteProbe::RemoteProbe(QNetworkAccessManager *network, QObject *parent)
    : QObject(parent)
    , m_network(network ? network : new QNetworkAccessManager(this))
{
}

RemoteProbe::~RemoteProbe() = default;

void RemoteProbe::probe(const QUrl &baseUrl, const QList<QPair<QByteArray, QByteArray>> &headers,
                        QObject *context, Callback done)
{
    const QUrl url = metadataUrl(baseUrl);
    if (!url.isValid() || (url.scheme() != u"http"_s && url.scheme() != u"https"_s)) {
        ProbeResult result;
        result.message = tr("\"%1\" is not an http(s) URL.").arg(baseUrl.toDisplayString());
        QMetaObject::invokeMethod(
            context ? context : this, [done, result] { done(result); }, Qt::QueuedConnection);
        return;
    }
    QNetworkRequest request(url);
    request.setRawHeader("Accept", "application/fhir+json");
    for (const auto &[name, value] : headers)
        request.setRawHeader(name, value);
    request.setTransferTimeout(m_timeoutMs);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute,
                         QNetworkRequest::AlwaysNetwork);
    QNetworkReply *reply = m_network->get(request);

    // TLS errors are collected to be shown; the reply is never told to ignore them.
    auto sslErrors = std::make_shared<QStringList>();
    connect(reply, &QNetworkReply::sslErrors, reply, [sslErrors](const QList<QSslError> &errors) {
        for (const QSslError &e : errors)
            sslErrors->append(e.errorString());
    });
    QPointer<QObject> receiver(context ? context : this);
    connect(reply, &QNetworkReply::finished, receiver, [reply, url, sslErrors, done] {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QNetworkReply::NetworkError error = reply->error();
        ProbeResult result;
        if (!sslErrors->isEmpty() || error == QNetworkReply::SslHandshakeFailedError) {
            result.outcome = ProbeResult::Outcome::TlsError;
            const QString why
                = sslErrors->isEmpty() ? reply->errorString() : sslErrors->join(u"; "_s);
            result.message = tr("The TLS connection to %1 failed: %2. The server's certificate "
                                "is not trusted here; nothing was sent.")
                                 .arg(url.host(), why);
            return done(result);
        }
        if (status == 0 && isConnectionError(error)) {
            result.outcome = ProbeResult::Outcome::Unreachable;
            result.message
                = tr("%1 cannot be reached: %2.").arg(url.authority(), reply->errorString());
            return done(result);
        }
        if (status == 0) {
            result.outcome = ProbeResult::Outcome::Unreachable;
            result.message
                = tr("No answer from %1: %2.").arg(url.toDisplayString(), reply->errorString());
            return done(result);
        }
        done(interpret(status, reply->readAll(), reply->rawHeader("WWW-Authenticate")));
    });
    // A closed dialog abandons its probe: the reply goes with the probe's context.
    if (context && context != this)
        connect(context, &QObject::destroyed, reply, &QNetworkReply::abort);
}

ProbeResult RemoteProbe::interpret(int httpStatus, const QByteArray &body,
                                   const QByteArray &wwwAuthenticate)
{
    ProbeResult result;
    result.httpStatus = httpStatus;
    if (httpStatus == 401) {
        result.outcome = ProbeResult::Outcome::Unauthorized;
        result.message = tr("The server answered 401 Unauthorized: it wants credentials.");
        if (!wwwAuthenticate.isEmpty())
            result.message += u' '
                + tr("It asks for: %1.").arg(QString::fromLatin1(wwwAuthenticate.left(200)));
        result.message += u' ' + tr("Add an API key or an Authorization header.");
        return result;
    }
    if (httpStatus < 200 || httpStatus > 299) {
        result.outcome = ProbeResult::Outcome::HttpError;
        result.message = tr("GET [base]/metadata answered HTTP %1; a FHIR server answers 200 "
                            "with its CapabilityStatement.")
                             .arg(httpStatus);
        return result;
    }
    QJsonParseError parseError;
    const QJsonObject resource = QJsonDocument::fromJson(body, &parseError).object();
    const QString type = resource.value(u"resourceType"_s).toString();
    if (parseError.error != QJsonParseError::NoError || type.isEmpty()) {
        result.outcome = ProbeResult::Outcome::NotFhir;
        result.message = tr("The answer to GET [base]/metadata is not FHIR JSON; check the base "
                            "URL (it usually ends in /fhir or /baseR4).");
        return result;
    }
    if (type != u"CapabilityStatement"_s && type != u"Conformance"_s) {
        result.outcome = ProbeResult::Outcome::NotFhir;
        result.message
            = tr("GET [base]/metadata answered a %1, not a CapabilityStatement.").arg(type);
        return result;
    }
    result.fhirVersion = resource.value(u"fhirVersion"_s).toString();
    const QJsonObject software = resource.value(u"software"_s).toObject();
    const QString softwareText
        = software.value(u"name"_s).toString() + u' ' + software.value(u"version"_s).toString();
    result.software = softwareText.trimmed();
    const QString release = releaseName(result.fhirVersion);
    if (release == u"R4"_s && type == u"CapabilityStatement"_s) {
        result.outcome = ProbeResult::Outcome::Ok;
        result.message = result.software.isEmpty()
            ? tr("A FHIR %1 server.").arg(result.fhirVersion)
            : tr("A FHIR %1 server: %2.").arg(result.fhirVersion, result.software);
        return result;
    }
    result.outcome = ProbeResult::Outcome::OtherFhirVersion;
    const QString declared = result.fhirVersion.isEmpty()
        ? tr("no FHIR version")
        : (release.isEmpty() ? result.fhirVersion : u"%1 (%2)"_s.arg(result.fhirVersion, release));
    result.message = tr("The server declares %1; FHIR Portal speaks R4 (4.0.1), so schemas and "
                        "examples may not match.")
                         .arg(declared);
    return result;
}

} // namespace fhir::app

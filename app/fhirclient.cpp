#include "fhirclient.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSslError>
#include <QTimer>

#include <nlohmann/json.hpp>

Q_LOGGING_CATEGORY(lcClient, "fhir.client")

using namespace Qt::StringLiterals;

namespace fhir::app {

bool ApiResponse::isJson() const
{
    const QByteArray type = header("Content-Type").toLower();
    return type.startsWith("application/fhir+json") || type.startsWith("application/json");
}

QString explainStatus(int status)
{
    switch (status) {
    case 401:
        return QObject::tr("401 Unauthorized: the server did not accept the credentials. Check "
                           "the API key or sign in again in Authorize.");
    case 403:
        return QObject::tr("403 Forbidden: the credentials are valid but do not allow this "
                           "request (a missing scope or role).");
    case 404:
        return QObject::tr("404 Not Found: no resource or endpoint at this URL.");
    case 405:
        return QObject::tr("405 Method Not Allowed: the server does not offer this method here.");
    case 412:
        return QObject::tr("412 Precondition Failed: the resource changed since the version in "
                           "If-Match; read it again and retry.");
    case 413:
        return QObject::tr("413 Payload Too Large: the server refuses a body this large.");
    case 415:
        return QObject::tr("415 Unsupported Media Type: send application/fhir+json.");
    case 429:
        return QObject::tr("429 Too Many Requests: the server is rate limiting; wait and retry.");
    default:
        break;
    }
    if (status >= 500)
        return QObject::tr("%1: the server failed while answering; the body may say why.")
            .arg(status);
    return {};
}

FhirClient::FhirClient(QObject *parent)
    : QObject(parent)
    , m_network(new QNetworkAccessManager(this))
    , m_timer(new QTimer(this))
{
    m_timer->setSingleShot(true);
    connect(m_timer, &QTimer::timeout, this, [this] {
        if (m_reply) {
            m_abortReason = ApiResponse::Failure::Timeout;
            m_reply->abort();
        }
    });
}

FhirClient::~FhirClient()
{
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
    }
}

void FhirClient::setEndpoint(const Endpoint &endpoint)
{
    m_endpoint = endpoint;
}

void FhirClient::send(const ApiRequest &request)
{
    cancel();
    m_request = request;
    m_url = requestUrl(request, m_endpoint);
    m_tlsProblem.clear();
    m_abortReason = ApiResponse::Failure::None;
    Q_EMIT started(request);
    if (!m_url.isValid() || m_url.scheme().isEmpty() || m_url.host().isEmpty()) {
        // Still asynchronous: the caller may connect after send().
        QTimer::singleShot(0, this, [this, request] {
            if (m_reply)
                return;
            ApiResponse response;
            response.url = m_url;
            response.failure = ApiResponse::Failure::Other;
            response.problem = m_endpoint.isValid()
                ? tr("'%1' is not a valid URL.").arg(m_url.toString())
                : tr("No endpoint is selected: choose a deployment or a server first.");
            Q_EMIT finished(request, response);
        });
        return;
    }
    m_retried = false;
    transmit();
}

void FhirClient::transmit()
{
    const ApiRequest &request = m_request;
    QNetworkRequest wire(m_url);
    // Redirects are shown, not followed: a developer wants to see them.
    wire.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                      QNetworkRequest::ManualRedirectPolicy);
    HeaderList headers = wireHeaders(request, m_endpoint);
    if (m_session && m_session->isActive() && headerValue(headers, "Authorization").isNull())
        headers.append({QByteArrayLiteral("Authorization"), m_session->authorization()});
    for (const auto &[name, value] : headers)
        wire.setRawHeader(name, value);
    m_clock.start();
    m_reply = m_network->sendCustomRequest(wire, request.method, request.body);
    // TLS errors are recorded, never ignored: the reply then fails with the handshake error.
    connect(m_reply, &QNetworkReply::sslErrors, this, [this](const QList<QSslError> &errors) {
        QStringList texts;
        for (const QSslError &e : errors)
            texts.append(e.errorString());
        m_tlsProblem = texts.join(u"; "_s);
    });
    connect(m_reply, &QNetworkReply::finished, this, &FhirClient::onFinished);
    m_timer->start(m_timeoutMs);
    qCDebug(lcClient) << request.method << m_url.toString(QUrl::RemoveQuery);
}

void FhirClient::cancel()
{
    if (!m_reply)
        return;
    m_abortReason = ApiResponse::Failure::Cancelled;
    m_reply->abort(); // emits finished synchronously
}

void FhirClient::onFinished()
{
    QNetworkReply *reply = m_reply;
    if (reply == nullptr)
        return;
    m_reply = nullptr;
    m_timer->stop();
    reply->deleteLater();

    ApiResponse response;
    response.url = m_url;
    response.elapsedMs = m_clock.elapsed();
    response.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    response.reason = reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toByteArray();
    for (const auto &pair : reply->rawHeaderPairs())
        response.headers.append(pair);
    if (reply->isOpen())
        response.body = reply->readAll();

    const QString host
        = m_url.host() + (m_url.port() > 0 ? u":"_s + QString::number(m_url.port()) : QString());
    const QNetworkReply::NetworkError error = reply->error();
    if (m_abortReason == ApiResponse::Failure::Cancelled) {
        response.failure = ApiResponse::Failure::Cancelled;
        response.problem = tr("Cancelled.");
    } else if (m_abortReason == ApiResponse::Failure::Timeout) {
        response.failure = ApiResponse::Failure::Timeout;
        response.problem = tr("%1 did not answer within %2 s. The server may be overloaded or "
                              "the request too large; try again or narrow the request.")
                               .arg(host)
                               .arg(m_timeoutMs / 1000.0);
    } else if (!m_tlsProblem.isEmpty() || error == QNetworkReply::SslHandshakeFailedError) {
        response.failure = ApiResponse::Failure::Tls;
        response.problem
            = tr("The secure connection to %1 failed: %2. The request was not sent. Check the "
                 "URL, or install the server's certificate authority on this computer.")
                  .arg(host, m_tlsProblem.isEmpty() ? reply->errorString() : m_tlsProblem);
    } else if (response.status == 0 && error != QNetworkReply::NoError) {
        switch (error) {
        case QNetworkReply::ConnectionRefusedError:
        case QNetworkReply::HostNotFoundError:
        case QNetworkReply::NetworkSessionFailedError:
        case QNetworkReply::UnknownNetworkError:
        case QNetworkReply::TemporaryNetworkFailureError:
        case QNetworkReply::ProxyConnectionRefusedError:
        case QNetworkReply::ProxyNotFoundError:
            response.failure = ApiResponse::Failure::Unreachable;
            response.problem = error == QNetworkReply::HostNotFoundError
                ? tr("The host %1 is not known. Check the endpoint's URL.").arg(m_url.host())
                : tr("Could not connect to %1: nothing answers there. Is the server (or the "
                     "deployment) running?")
                      .arg(host);
            break;
        case QNetworkReply::TimeoutError:
        case QNetworkReply::ProxyTimeoutError:
            response.failure = ApiResponse::Failure::Timeout;
            response.problem = tr("The connection to %1 timed out.").arg(host);
            break;
        case QNetworkReply::RemoteHostClosedError:
            response.failure = ApiResponse::Failure::Unreachable;
            response.problem = tr("%1 closed the connection without answering. Is this the "
                                  "right port, and does it speak %2?")
                                   .arg(host, m_url.scheme().toUpper());
            break;
        default:
            response.failure = ApiResponse::Failure::Other;
            response.problem = tr("The request failed: %1.").arg(reply->errorString());
            break;
        }
    } else {
        QStringList notes;
        if (const QString s = explainStatus(response.status); !s.isEmpty())
            notes.append(s);
        if (!response.body.isEmpty()) {
            const QByteArray type = response.header("Content-Type");
            const auto parsed = nlohmann::json::parse(response.body.toStdString(), nullptr, false);
            if (!response.isJson() || parsed.is_discarded() || !parsed.is_object()
                || !parsed.contains("resourceType")) {
                notes.append(tr("The answer is not FHIR JSON (Content-Type: %1). Is the base URL "
                                "a FHIR endpoint?")
                                 .arg(type.isEmpty() ? tr("none") : QString::fromUtf8(type)));
            }
        }
        response.problem = notes.join(u'\n');
    }
    if (response.status == 401 && retryAfterRefresh(response))
        return;
    qCDebug(lcClient) << "answered" << response.status << response.elapsedMs << "ms";
    Q_EMIT finished(m_request, response);
}

bool FhirClient::retryAfterRefresh(const ApiResponse &refused)
{
    if (!m_session || !m_session->isActive() || m_retried
        || !headerValue(m_request.headers, "Authorization").isNull())
        return false;
    m_retried = true;
    OAuthSession *session = m_session;
    // One of the two answers; each connection goes when either comes.
    auto connections = std::make_shared<QList<QMetaObject::Connection>>();
    auto done = [connections] {
        for (const auto &c : std::as_const(*connections))
            QObject::disconnect(c);
    };
    connections->append(connect(session, &OAuthSession::refreshed, this, [this, done] {
        done();
        transmit();
    }));
    connections->append(
        connect(session, &OAuthSession::ended, this, [this, done, refused](const QString &why) {
            done();
            ApiResponse response = refused;
            response.problem = tr("The server refused the access token, and the login could not "
                                  "be refreshed: %1")
                                   .arg(why);
            Q_EMIT finished(m_request, response);
        }));
    session->refresh();
    return true;
}

} // namespace fhir::app

#pragma once

#include "app/apirequest.h"
#include "app/endpoint.h"
#include "app/oauth/oauthsession.h"
#include "app/wirerequest.h"

#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QMetaType>
#include <QNetworkReply>
#include <QObject>
#include <QPointer>
#include <QUrl>

class QNetworkAccessManager;

class QTimer;

Q_DECLARE_LOGGING_CATEGORY(lcClient)

namespace fhir::app {

/// What came back for one request, or why nothing did.
struct ApiResponse
{
    enum class Failure {
        None, ///< an HTTP answer arrived (whatever its status)
        Unreachable, ///< no connection: refused, unknown host, network down
        Timeout, ///< connected, or tried to, but no answer in time
        Tls, ///< the TLS handshake or the certificate failed; never ignored
        Cancelled, ///< the user cancelled
        Other ///< any other transport error
    };

    QUrl url; ///< the URL requested
    int status = 0; ///< HTTP status; 0 when no answer arrived
    QByteArray reason; ///< HTTP reason phrase
    HeaderList headers; ///< response headers, in the order received
    QByteArray body;
    qint64 elapsedMs = 0; ///< from sending to the last byte
    Failure failure = Failure::None;
    /// Words for the user when something went wrong or needs a note: the transport failure,
    /// a 401/403, a body that is not FHIR JSON. Empty for a plain FHIR answer.
    QString problem;

    bool ok() const { return failure == Failure::None && status >= 200 && status < 300; }
    QByteArray header(const QByteArray &name) const { return headerValue(headers, name); }
    /// Whether the body is FHIR (or plain) JSON, by its Content-Type.
    bool isJson() const;
};

/// The one network façade of the app: sends ApiRequests to an Endpoint with
/// QNetworkAccessManager, one at a time, asynchronously. Adds the endpoint's headers and key
/// (wireHeaders()), measures time and size, and explains failures in readable words.
/// Sending while a request runs cancels the running one.
///
///     FhirClient client;
///     client.setEndpoint(endpoint);
///     connect(&client, &FhirClient::finished, this, &View::show);
///     client.send(request);
class FhirClient : public QObject
{
    Q_OBJECT

public:
    explicit FhirClient(QObject *parent = nullptr);
    ~FhirClient() override;

    void setEndpoint(const Endpoint &endpoint);
    const Endpoint &endpoint() const { return m_endpoint; }
    /// An OAuth session whose access token goes with every request (Authorization: Bearer).
    /// A 401 makes it refresh once and the request go again; when the refresh fails, the
    /// answer says so. Not owned; null for none.
    void setSession(OAuthSession *session) { m_session = session; }
    /// Longest wait for the whole answer; 30 s by default.
    void setTimeout(int milliseconds) { m_timeoutMs = milliseconds; }

    /// Sends `request`; `finished` follows, always, exactly once per send.
    void send(const ApiRequest &request);
    /// Stops the running request; `finished` reports it as Cancelled.
    void cancel();
    bool isBusy() const { return m_reply != nullptr; }

Q_SIGNALS:
    void started(const fhir::app::ApiRequest &request);
    void finished(const fhir::app::ApiRequest &request, const fhir::app::ApiResponse &response);

private:
    void transmit();
    void onFinished();
    /// After a 401 with a session: refresh, then send again (once per request).
    bool retryAfterRefresh(const ApiResponse &refused);
    void fail(ApiResponse::Failure failure, const QString &problem);

    Endpoint m_endpoint;
    QNetworkAccessManager *m_network; // owned (QObject child)
    QTimer *m_timer; // owned (QObject child)
    QPointer<QNetworkReply> m_reply; // the running one; deleted when it finishes
    ApiRequest m_request;
    QUrl m_url;
    QElapsedTimer m_clock;
    QString m_tlsProblem;
    ApiResponse::Failure m_abortReason = ApiResponse::Failure::None;
    int m_timeoutMs = 30000;
    QPointer<OAuthSession> m_session;
    bool m_retried = false; // this request went again after a refresh
};

/// A sentence for a failed HTTP status a user can do something about (401, 403, 404, 405,
/// 412, 413, 415, 429, 5xx); empty for the others.
QString explainStatus(int status);

} // namespace fhir::app

Q_DECLARE_METATYPE(fhir::app::ApiResponse)

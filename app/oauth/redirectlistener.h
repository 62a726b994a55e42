#pragma once

#include <QHash>
#include <QObject>
#include <QString>
#include <QUrl>

class QTcpServer;
class QTcpSocket;

namespace fhir::app {

/// What the browser brought back to the redirect URI (RFC 6749 §4.1.2): a code, or an error.
struct AuthorizationCallback
{
    QString code;
    QString state;
    QString error; ///< access_denied, invalid_scope... (RFC 6749 §4.1.2.1)
    QString errorDescription;
    QString issuer; ///< `iss` (RFC 9207), when the server sends it
};

/// The native app's redirect endpoint (RFC 8252 §7.3): listens on 127.0.0.1 on a port the
/// system picks, takes the first request to its path that carries a `state`, answers the
/// browser a short page, and closes, so a second callback finds nothing listening. Requests
/// to other paths (a favicon) get 404 and change nothing.
///
///     RedirectListener listener;
///     if (!listener.listen()) return fail(listener.errorString());
///     connect(&listener, &RedirectListener::received, this, &Login::onCallback);
///     QUrl redirect = listener.redirectUri(); // http://127.0.0.1:PORT/callback
class RedirectListener : public QObject
{
    Q_OBJECT

public:
    explicit RedirectListener(QObject *parent = nullptr);
    ~RedirectListener() override;

    bool listen();
    bool isListening() const;
    void close();
    QString errorString() const;
    /// http://127.0.0.1:PORT/callback, once listening (and after it has closed).
    QUrl redirectUri() const;

    /// The page the browser shows after the callback; `ok` says whether the login went on.
    static QByteArray page(bool ok, const QString &message);

Q_SIGNALS:
    void received(const fhir::app::AuthorizationCallback &callback);

private:
    void onConnection();
    void onReadable(QTcpSocket *socket);

    QTcpServer *m_server; // owned (QObject child)
    QHash<QTcpSocket *, QByteArray> m_buffers;
    QUrl m_redirectUri;
    bool m_done = false;
};

} // namespace fhir::app

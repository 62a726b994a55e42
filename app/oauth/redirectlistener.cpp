#include "redirectlistener.h"

#include <QTcpServer>
#include <QTcpSocket>
#include <QUrlQuery>

using namespace Qt::StringLiterals;

namespace fhir::app {

namespace {

constexpr qsizetype kMaxRequestBytes = 16 * 1024; // a request line with a code and a state
const QString kPath = u"/callback"_s;

QByteArray answer(int status, const QByteArray &reason, const QByteArray &body)
{
    return "HTTP/1.1 " + QByteArray::number(status) + ' ' + reason
        + "\r\nContent-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\n"
          "Referrer-Policy: no-referrer\r\nConnection: close\r\nContent-Length: "
        + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

} // namespace

RedirectListener::RedirectListener(QObject *parent)
    : QObject(parent)
    , m_server(new QTcpServer(this))
{
    connect(m_server, &QTcpServer::newConnection, this, &RedirectListener::onConnection);
}

RedirectListener::~RedirectListener() = default;

bool RedirectListener::listen()
{
    m_done = false;
    // Loopback only (RFC 8252 §8.3): no other machine can reach the callback.
    if (!m_server->listen(QHostAddress::LocalHost, 0))
        return false;
    // Kept: the token request repeats it after the listener has closed.
    m_redirectUri = QUrl(u"http://127.0.0.1:%1%2"_s.arg(m_server->serverPort()).arg(kPath));
    return true;
}

bool RedirectListener::isListening() const
{
    return m_server->isListening();
}

void RedirectListener::close()
{
    m_server->close();
}

QString RedirectListener::errorString() const
{
    return m_server->errorString();
}

QUrl RedirectListener::redirectUri() const
{
    return m_redirectUri;
}

QByteArray RedirectListener::page(bool ok, const QString &message)
{
    QString escaped = message.toHtmlEscaped();
    return QString(u"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                   "<title>FHIR Portal</title></head><body style=\"font-family:sans-serif;"
                   "margin:3em\"><h1>"_s
                   + (ok ? u"You are logged in"_s : u"The login did not work"_s) + u"</h1><p>"_s
                   + escaped
                   + u"</p><p>You can close this tab and go back to FHIR Portal.</p></body>"
                     "</html>"_s)
        .toUtf8();
}

void RedirectListener::onConnection()
{
    while (QTcpSocket *socket = m_server->nextPendingConnection()) {
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadable(socket); });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
            m_buffers.remove(socket);
            socket->deleteLater();
        });
    }
}

void RedirectListener::onReadable(QTcpSocket *socket)
{
    QByteArray &buffer = m_buffers[socket];
    buffer += socket->readAll();
    const qsizetype lineEnd = buffer.indexOf("\r\n");
    if (lineEnd < 0) {
        if (buffer.size() > kMaxRequestBytes)
            socket->disconnectFromHost();
        return;
    }
    const QList<QByteArray> line = buffer.left(lineEnd).split(' ');
    const QUrl target(QString::fromLatin1(line.value(1)));
    const QUrlQuery query(target);
    if (line.value(0) != "GET" || target.path() != kPath || !query.hasQueryItem(u"state"_s)
        || m_done) {
        socket->write(answer(404, "Not Found", page(false, u"Nothing is here."_s)));
        socket->disconnectFromHost();
        return;
    }
    m_done = true;
    m_server->close(); // the first callback only
    AuthorizationCallback callback;
    auto item = [&](const QString &name) {
        return query.queryItemValue(name, QUrl::FullyDecoded);
    };
    callback.code = item(u"code"_s);
    callback.state = item(u"state"_s);
    callback.error = item(u"error"_s);
    callback.errorDescription = item(u"error_description"_s);
    callback.issuer = item(u"iss"_s);
    const bool ok = callback.error.isEmpty() && !callback.code.isEmpty();
    socket->write(answer(
        200, "OK",
        page(ok,
             ok ? u"FHIR Portal is finishing the login."_s
                : u"The server said: %1 %2"_s.arg(callback.error, callback.errorDescription))));
    socket->disconnectFromHost();
    Q_EMIT received(callback);
}

} // namespace fhir::app

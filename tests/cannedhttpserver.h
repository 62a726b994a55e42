#pragma once

// A plain HTTP/1.1 server on loopback for tests that need a "remote" FHIR server: every
// request gets the same canned answer. Pass a QSslServer for TLS.

#include <QByteArray>
#include <QHostAddress>
#include <QTcpServer>
#include <QTcpSocket>

#include <memory>

// Answers every request with one canned response, and remembers the last request's head.
class CannedServer
{
public:
    int status = 200;
    QByteArray body;
    QByteArray extraHeaders;
    QByteArray lastRequest;

    explicit CannedServer(QTcpServer *server = new QTcpServer)
        : m_server(server)
    {
        QObject::connect(m_server.get(), &QTcpServer::pendingConnectionAvailable, m_server.get(),
                         [this] { accept(); });
        m_server->listen(QHostAddress::LocalHost);
    }
    QTcpServer *server() const { return m_server.get(); }
    quint16 port() const { return m_server->serverPort(); }

private:
    void accept()
    {
        while (QTcpSocket *socket = m_server->nextPendingConnection()) {
            auto buffer = std::make_shared<QByteArray>();
            QObject::connect(socket, &QTcpSocket::readyRead, socket, [this, socket, buffer] {
                buffer->append(socket->readAll());
                if (!buffer->contains("\r\n\r\n"))
                    return;
                lastRequest = *buffer;
                socket->write("HTTP/1.1 " + QByteArray::number(status) + " Canned\r\n"
                              + "Content-Type: application/fhir+json\r\nContent-Length: "
                              + QByteArray::number(body.size()) + "\r\nConnection: close\r\n"
                              + extraHeaders + "\r\n" + body);
                socket->disconnectFromHost();
            });
            QObject::connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        }
    }

    std::unique_ptr<QTcpServer> m_server;
};

#pragma once

#include "schemas/result.h"

#include <QAbstractHttpServer>
#include <QString>

namespace fhir::server {

class FhirServer;

/// The HTTP face of a FhirServer: listens on 127.0.0.1 only, turns each HTTP request into a
/// Request, asks the server, and writes its Response. Requests whose Host header names
/// another host are refused (DNS-rebinding defence).
///
/// Lives in the thread of its FhirServer; the server must outlive it.
///
///     HttpListener listener(server.get());
///     auto port = listener.start(0); // a free port
///     if (!port) return fail(port.error());
///     qInfo() << listener.baseUrl(); // http://127.0.0.1:PORT/fhir/r4
class HttpListener : public QAbstractHttpServer
{
    Q_OBJECT

public:
    explicit HttpListener(FhirServer *server, QObject *parent = nullptr);
    ~HttpListener() override;

    /// Listens on 127.0.0.1:`port` (0 picks a free one) and sets the server's base URL.
    Result<quint16> start(quint16 port = 0);
    quint16 port() const { return m_port; }
    /// http://127.0.0.1:PORT/fhir/r4, once started.
    QString baseUrl() const;

Q_SIGNALS:
    /// One line per request answered: method, path and query, status, time taken, e.g.
    /// "GET /fhir/r4/Patient?_count=5 200 3 ms". Headers (where keys travel) never appear.
    void requestServed(const QString &logLine);

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    bool isServedHost(const QByteArray &host) const;

    FhirServer *m_server; // not owned
    quint16 m_port = 0;
};

} // namespace fhir::server

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
/// CORS (Fetch standard): a browser page may call the server from its own origin
/// (http://127.0.0.1:PORT, http://localhost:PORT) and from the origins setAllowedOrigins()
/// lists, none by default. For those, OPTIONS preflights are answered here (no API key: a
/// browser never sends credentials with a preflight) and every answer carries
/// Access-Control-Allow-Origin. A write (POST, PUT, PATCH, DELETE) from any other origin is
/// refused with 403 (SECURITY.md: no cross-site writes unless CORS is configured for the
/// origin); a read from one is answered without CORS headers, so the browser keeps it from
/// the page.
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
    /// The browser origins allowed besides the server's own, written as browsers send them
    /// ("http://localhost:3000"); compared exactly, case aside. "*" is not accepted.
    void setAllowedOrigins(const QStringList &origins);
    QStringList allowedOrigins() const { return m_allowedOrigins; }

Q_SIGNALS:
    /// One line per request answered: method, path and query, status, time taken, e.g.
    /// "GET /fhir/r4/Patient?_count=5 200 3 ms". Headers (where keys travel) never appear.
    void requestServed(const QString &logLine);

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    bool isServedHost(const QByteArray &host) const;
    bool isAllowedOrigin(const QByteArray &origin) const;

    FhirServer *m_server; // not owned
    quint16 m_port = 0;
    QStringList m_allowedOrigins; // lower case
};

} // namespace fhir::server

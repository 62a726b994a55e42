#include "httplistener.h"

#include "auth/authorizationserver.h"
#include "auth/formdata.h"
#include "fhirserver.h"
#include "servererror.h"
#include "serverlogging.h"

#include <QElapsedTimer>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QMetaMethod>
#include <QTcpServer>
#include <QTcpSocket>
#include <QUrlQuery>

using namespace Qt::StringLiterals;

namespace fhir::server {

namespace {

QByteArray methodName(QHttpServerRequest::Method method)
{
    switch (method) {
    case QHttpServerRequest::Method::Get:
        return QByteArrayLiteral("GET");
    case QHttpServerRequest::Method::Put:
        return QByteArrayLiteral("PUT");
    case QHttpServerRequest::Method::Delete:
        return QByteArrayLiteral("DELETE");
    case QHttpServerRequest::Method::Post:
        return QByteArrayLiteral("POST");
    case QHttpServerRequest::Method::Head:
        return QByteArrayLiteral("HEAD");
    case QHttpServerRequest::Method::Options:
        return QByteArrayLiteral("OPTIONS");
    case QHttpServerRequest::Method::Patch:
        return QByteArrayLiteral("PATCH");
    case QHttpServerRequest::Method::Connect:
        return QByteArrayLiteral("CONNECT");
    case QHttpServerRequest::Method::Trace:
        return QByteArrayLiteral("TRACE");
    default:
        return QByteArrayLiteral("UNKNOWN");
    }
}

} // namespace

HttpListener::HttpListener(FhirServer *server, QObject *parent)
    : QAbstractHttpServer(parent)
    , m_server(server)
{
    Q_ASSERT(m_server);
}

HttpListener::~HttpListener() = default;

Result<quint16> HttpListener::start(quint16 port)
{
    if (m_port != 0)
        return Error{u"already listening on port %1"_s.arg(m_port)};
    auto *tcp = new QTcpServer(this);
    if (!tcp->listen(QHostAddress::LocalHost, port)) {
        const QString message = tcp->errorString();
        delete tcp;
        return Error{u"cannot listen on 127.0.0.1:%1: %2"_s.arg(port).arg(message)};
    }
    bind(tcp);
    m_port = tcp->serverPort();
    m_server->setBaseUrl(baseUrl());
    qCInfo(lcServer) << "listening on" << baseUrl();
    return m_port;
}

QString HttpListener::baseUrl() const
{
    return u"http://127.0.0.1:%1"_s.arg(m_port) + FhirServer::basePath();
}

bool HttpListener::isServedHost(const QByteArray &host) const
{
    // Only names that cannot be re-pointed by someone else's DNS: the loopback literal and
    // localhost, with our port (a browser always sends the port when it is not 80).
    const QByteArray port = ':' + QByteArray::number(m_port);
    const QByteArray lower = host.trimmed().toLower();
    return lower == "127.0.0.1" + port || lower == "localhost" + port;
}

void HttpListener::setAllowedOrigins(const QStringList &origins)
{
    m_allowedOrigins.clear();
    for (const QString &origin : origins) {
        const QString lower = origin.trimmed().toLower();
        if (!lower.isEmpty() && lower != u"*"_s && !m_allowedOrigins.contains(lower))
            m_allowedOrigins.append(lower);
    }
}

bool HttpListener::isAllowedOrigin(const QByteArray &origin) const
{
    const QByteArray lower = origin.trimmed().toLower();
    const QByteArray port = ':' + QByteArray::number(m_port);
    return lower == "http://127.0.0.1" + port || lower == "http://localhost" + port
        || m_allowedOrigins.contains(QString::fromLatin1(lower));
}

bool HttpListener::handleRequest(const QHttpServerRequest &httpRequest, QTcpSocket *socket)
{
    QElapsedTimer timer;
    timer.start();
    Request request;
    request.method = methodName(httpRequest.method());
    const bool head = request.method == "HEAD";
    if (head)
        request.method = QByteArrayLiteral("GET"); // the same answer, without its body
    const QUrl url = httpRequest.url();
    request.path = url.path(QUrl::FullyDecoded);
    // The authorization endpoint is called from browsers and OAuth libraries with a
    // form-encoded query, where '+' is a space (scope=openid+fhirUser).
    request.query = AuthorizationServer::readsFormQuery(request.path)
        ? form::parse(url.query(QUrl::FullyEncoded).toLatin1())
        : QUrlQuery(url).queryItems(QUrl::FullyDecoded);
    for (const auto &header : httpRequest.headers())
        request.headers.append({header.first, header.second});
    request.body = httpRequest.body();

    const QByteArray host = httpRequest.value("Host");
    // Qt HttpServer 6.4 reads at most 80 kB of header fields (http_parser's limit); past it,
    // it still hands over the request line, with no header at all. An HTTP/1.1 request without
    // Host is a 400 too (RFC 9112 §3.2), so both get one, and the connection is closed: the
    // rest of an oversized header block would otherwise be read as the next request.
    const bool noHeaders = httpRequest.headers().isEmpty();
    const QByteArray origin = httpRequest.value("Origin");
    const bool allowedOrigin = !origin.isEmpty() && isAllowedOrigin(origin);
    // A CORS preflight (Fetch standard): OPTIONS with Origin and Access-Control-Request-Method.
    const bool preflight = request.method == "OPTIONS" && !origin.isEmpty()
        && !httpRequest.value("Access-Control-Request-Method").isEmpty();
    Response response;
    if (noHeaders || host.isEmpty()) {
        response = errorResponse(ServerError{
            ErrorKind::Invalid,
            noHeaders ? u"the request's header fields are missing or larger than the 80 kB this "
                        "server reads; an HTTP/1.1 request needs at least Host"_s
                      : u"an HTTP/1.1 request needs a Host header"_s,
            {},
            {},
            {}});
        qCWarning(lcServer) << "refused a request without header fields or Host";
    } else if (!isServedHost(host)) {
        response = errorResponse(
            ServerError{ErrorKind::MisdirectedRequest,
                        u"this server answers only to 127.0.0.1:%1 and localhost:%1"_s.arg(m_port),
                        {},
                        {},
                        {}});
        qCWarning(lcServer) << "refused a request for another host";
    } else if (!origin.isEmpty() && !allowedOrigin
               && (preflight || (request.method != "GET" && request.method != "OPTIONS"))) {
        // A preflight or a write from a page of another origin: refused before any work.
        response = errorResponse(ServerError{
            ErrorKind::Forbidden,
            u"cross-origin requests from %1 are not allowed; the server's owner can allow "
            "the origin"_s.arg(QString::fromLatin1(origin.left(200))),
            {},
            {},
            {}});
    } else if (preflight) {
        response.status = 204;
        response.setHeader("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, PATCH, DELETE");
        response.setHeader("Access-Control-Allow-Headers",
                           "Accept, Authorization, Content-Type, If-Match, If-Modified-Since, "
                           "If-None-Exist, If-None-Match, Prefer, x-api-key");
        response.setHeader("Access-Control-Max-Age", "600");
    } else {
        response = m_server->handle(request);
    }
    if (!origin.isEmpty()) {
        // Caches must not give one origin's answer to another.
        response.setHeader("Vary", "Origin");
        if (allowedOrigin && response.status != 421) {
            response.setHeader("Access-Control-Allow-Origin", origin);
            response.setHeader("Access-Control-Expose-Headers",
                               "Content-Location, ETag, Last-Modified, Location");
        }
    }
    // The responder's status table knows only standard codes; anything else is a bug.
    if (reasonPhrase(response.status).isEmpty())
        response = errorResponse(ServerError{
            ErrorKind::Internal, u"the server produced an unknown status"_s, {}, {}, {}});
    qCDebug(lcServer).noquote() << request.method << request.path << response.status;
    if (isSignalConnected(QMetaMethod::fromSignal(&HttpListener::requestServed))) {
        const QString query = url.query(QUrl::FullyEncoded);
        Q_EMIT requestServed(u"%1 %2 %3 %4 ms"_s.arg(
            QString::fromLatin1(head ? QByteArrayLiteral("HEAD") : request.method),
            url.path(QUrl::FullyEncoded) + (query.isEmpty() ? QString() : u'?' + query),
            QString::number(response.status), QString::number(timer.elapsed())));
    }

    QHttpServerResponder responder = makeResponder(httpRequest, socket);
    responder.writeStatusLine(QHttpServerResponder::StatusCode(response.status));
    for (const auto &[name, value] : std::as_const(response.headers))
        responder.writeHeader(name, value);
    responder.writeHeader("Content-Length", QByteArray::number(response.body.size()));
    // writeBody ends the header block even when there is no body.
    responder.writeBody(head ? QByteArray() : response.body);
    if (noHeaders
        || httpRequest.value("Connection").trimmed().compare("close", Qt::CaseInsensitive) == 0)
        socket->disconnectFromHost();
    return true;
}

void HttpListener::missingHandler(const QHttpServerRequest &, QTcpSocket *)
{
    // handleRequest() answers every request.
}

} // namespace fhir::server

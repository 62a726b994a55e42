#include "httplistener.h"

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
    request.query = QUrlQuery(url).queryItems(QUrl::FullyDecoded);
    for (const auto &header : httpRequest.headers())
        request.headers.append({header.first, header.second});
    request.body = httpRequest.body();

    const QByteArray host = httpRequest.value("Host");
    Response response;
    if (!isServedHost(host)) {
        response = errorResponse(
            ServerError{ErrorKind::MisdirectedRequest,
                        u"this server answers only to 127.0.0.1:%1 and localhost:%1"_s.arg(m_port),
                        {},
                        {},
                        {}});
        qCWarning(lcServer) << "refused a request for another host";
    } else {
        response = m_server->handle(request);
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
    if (httpRequest.value("Connection").trimmed().compare("close", Qt::CaseInsensitive) == 0)
        socket->disconnectFromHost();
    return true;
}

void HttpListener::missingHandler(const QHttpServerRequest &, QTcpSocket *)
{
    // handleRequest() answers every request.
}

} // namespace fhir::server

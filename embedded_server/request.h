#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

namespace fhir::server {

/// HTTP header fields as received or to be sent, in order. Names compare case-insensitively.
using HeaderList = QList<QPair<QByteArray, QByteArray>>;

/// The value of the first header called `name` (case-insensitive), or a null QByteArray.
QByteArray headerValue(const HeaderList &headers, const QByteArray &name);

/// One request to the server, free of any transport: what the HTTP adapter makes of a
/// request on the wire, and what tests build by hand.
///
///     Request r{"GET", u"/fhir/r4/Patient/1"_s, {}, {{"Accept", "application/fhir+json"}}, {}};
struct Request
{
    QByteArray method; ///< "GET", "POST"... upper case
    QString path; ///< decoded path, starting with '/': "/fhir/r4/Patient/1"
    QList<QPair<QString, QString>> query; ///< decoded query items, in order, repeats kept
    HeaderList headers;
    QByteArray body;

    QByteArray header(const QByteArray &name) const { return headerValue(headers, name); }
    /// Every value of a query item, in order.
    QStringList queryValues(const QString &name) const;
    bool hasQuery(const QString &name) const;
};

/// The server's answer. An empty body with a 2xx status means "no content".
struct Response
{
    int status = 200;
    HeaderList headers;
    QByteArray body;

    QByteArray header(const QByteArray &name) const { return headerValue(headers, name); }
    void setHeader(const QByteArray &name, const QByteArray &value);
};

/// The reason phrase of an HTTP status ("Not Found"), for history bundles and logs.
QByteArray reasonPhrase(int status);

} // namespace fhir::server

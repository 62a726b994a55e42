#pragma once

#include "embedded_server/request.h"

#include <QList>
#include <QPair>
#include <QString>

#include <optional>

namespace fhir::server::form {

using Items = QList<QPair<QString, QString>>;

/// application/x-www-form-urlencoded (the URL Standard): `+` is a space, then percent-decoding
/// as UTF-8. The same rules read the query of an authorization request.
Items parse(QByteArrayView encoded);
/// The inverse of parse(): every byte but the unreserved ones percent-encoded.
QByteArray encode(const Items &items);

/// The first value of `name`, or a null QString.
QString value(const Items &items, const QString &name);
/// How many times `name` occurs: OAuth refuses a repeated parameter (RFC 6749 §3.1).
qsizetype count(const Items &items, const QString &name);

/// The value of the cookie `name` in the request's Cookie headers (RFC 6265 §5.4), or empty.
QByteArray cookie(const Request &request, QByteArrayView name);
/// client_id and client_secret of an `Authorization: Basic` header (RFC 6749 §2.3.1: each
/// form-encoded before base64), or nothing when there is none or it is malformed.
std::optional<std::pair<QString, QString>> basicCredentials(const Request &request);
/// The token of an `Authorization: Bearer` header (RFC 6750 §2.1), or empty.
QByteArray bearerToken(const Request &request);

/// Text made safe for HTML content and attribute values.
QString escapeHtml(const QString &text);

} // namespace fhir::server::form

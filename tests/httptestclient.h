#pragma once

#include <QByteArray>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QString>
#include <QUrl>

/// One HTTP exchange with a real server, for tests: the status and the body.
struct HttpTestReply
{
    int status = 0;
    QByteArray body;
};

/// Sends `verb` to `url` with an x-api-key header when `key` is not empty and waits for the
/// answer (no timeout: a hang is a failure the test runner reports).
inline HttpTestReply sendHttp(QNetworkAccessManager &nam, const QByteArray &verb,
                              const QString &url, const QByteArray &key,
                              const QByteArray &body = {})
{
    QNetworkRequest request{QUrl(url)};
    if (!key.isEmpty())
        request.setRawHeader("x-api-key", key);
    if (!body.isEmpty())
        request.setRawHeader("Content-Type", "application/fhir+json");
    QNetworkReply *reply = nam.sendCustomRequest(request, verb, body);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    reply->deleteLater();
    return {reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), reply->readAll()};
}

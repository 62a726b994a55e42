#pragma once

// What the request builder needs of the deployment selected in the
// window. The deployments part produces it; the Try It Out part consumes it.

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrl>

namespace fhir::app {

/// Where requests go and what each request carries: an embedded deployment's loopback URL and
/// key, or a remote server's base URL and extra headers.
struct Endpoint
{
    QString deploymentId; ///< keys the request history; empty when nothing is selected
    QString name;
    QUrl baseUrl; ///< e.g. http://127.0.0.1:PORT/fhir/r4, no trailing slash
    QList<QPair<QByteArray, QByteArray>> headers; ///< extra headers a remote server needs
    QByteArray apiKey; ///< sent as x-api-key when not empty; never persisted outside the keychain
    bool isEmbedded = false;

    bool isValid() const { return baseUrl.isValid() && !baseUrl.isEmpty(); }
};

} // namespace fhir::app

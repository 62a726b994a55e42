#pragma once

// The one request type of the app. The Try It Out builder edits it, the
// FHIR client sends it, the cURL exporter prints it, the history stores it (secrets removed).

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QPair>
#include <QString>

namespace fhir::app {

struct ApiRequest
{
    QByteArray method = QByteArrayLiteral("GET");
    /// Relative to the endpoint's base URL ("Patient", "Patient/123/_history", "" for the
    /// system level, "metadata"), or an absolute URL (a bundle's paging link, free-form mode).
    QString path;
    QList<QPair<QString, QString>> query; ///< decoded names and values, in order, repeats kept
    QList<QPair<QByteArray, QByteArray>> headers; ///< as the user set them; auth is added later
    QByteArray body;

    bool operator==(const ApiRequest &) const = default;
};

} // namespace fhir::app

// Queued signals and QVariant carry it (history, the client, the deployments controller).
Q_DECLARE_METATYPE(fhir::app::ApiRequest)

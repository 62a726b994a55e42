#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QString>

#include <optional>

namespace fhir::app {

/// An API key of an embedded deployment, as its store remembers it: never the secret.
struct ApiKey
{
    QString id; ///< used to revoke
    QString name;
    QString hint; ///< the first characters of the secret
    QDateTime created; ///< UTC
    std::optional<QDateTime> lastUsed; ///< UTC
};

/// A key just made: the only moment its secret is known. Show it once.
struct CreatedApiKey
{
    ApiKey info;
    QByteArray secret;
};

} // namespace fhir::app

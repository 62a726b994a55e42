#pragma once

#include "app/apirequest.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QObject>
#include <QString>
#include <QTimer>

namespace fhir::app {

/// One executed request, as the history keeps it: without credentials.
struct HistoryEntry
{
    QDateTime time; ///< UTC, when it was sent
    ApiRequest request; ///< secrets removed; see RequestHistory::withoutSecrets
    int status = 0; ///< HTTP status; 0 when no response came (network error, cancelled)
    qint64 elapsedMs = 0;
    bool bodyOmitted = false; ///< the body was larger than maxBodyBytes and is not kept

    bool operator==(const HistoryEntry &) const = default;
};

/// Every executed request per deployment, newest first, kept across restarts in one JSON
/// file (by default AppDataLocation/history.json) and bounded per deployment. Credentials
/// never reach the file: secret headers, `access_token` query items and a URL's user info are
/// removed before an entry is kept.
///
///     history.record(endpoint.deploymentId, request, 200, 35);
///     const ApiRequest again = history.entries(id).first().request;
class RequestHistory : public QObject
{
    Q_OBJECT

public:
    static constexpr int defaultLimit = 500;
    static constexpr qsizetype maxBodyBytes = 256 * 1024;

    /// `filePath` empty: AppDataLocation/history.json. Reads the file now; an unreadable or
    /// malformed file starts an empty history (errorString() says why) and is replaced on the
    /// next write.
    explicit RequestHistory(const QString &filePath = {}, int limitPerDeployment = defaultLimit,
                            QObject *parent = nullptr);
    ~RequestHistory() override; ///< writes what is pending

    void record(const QString &deploymentId, const ApiRequest &request, int status,
                qint64 elapsedMs, const QDateTime &time = QDateTime::currentDateTimeUtc());

    /// Newest first.
    QList<HistoryEntry> entries(const QString &deploymentId) const;
    void clear(const QString &deploymentId);

    /// Writes pending changes now (they are otherwise written shortly after each change).
    bool flush();
    QString filePath() const { return m_filePath; }
    int limit() const { return m_limit; }
    QString errorString() const { return m_error; }

    /// The request with credentials removed: the headers isSecretHeader() names, query items
    /// named access_token (RFC 6750 §2.3), and user info in an absolute URL.
    static ApiRequest withoutSecrets(ApiRequest request);

Q_SIGNALS:
    void entryAdded(const QString &deploymentId, const fhir::app::HistoryEntry &entry);
    void cleared(const QString &deploymentId);

private:
    void load();
    void scheduleSave();

    QString m_filePath;
    int m_limit;
    QHash<QString, QList<HistoryEntry>> m_entries; // newest first
    QTimer m_saveTimer;
    QString m_error;
};

} // namespace fhir::app

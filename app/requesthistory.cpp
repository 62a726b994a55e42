#include "requesthistory.h"

#include "applogging.h"
#include "deploymentregistry.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QStandardPaths>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace fhir::app {

namespace {

constexpr int fileVersion = 1;

bool isUtf8(const QByteArray &bytes)
{
    return QString::fromUtf8(bytes).toUtf8() == bytes;
}

QJsonObject toJson(const HistoryEntry &e)
{
    QJsonObject o;
    o.insert(u"time"_s, e.time.toString(Qt::ISODateWithMs));
    o.insert(u"method"_s, QString::fromLatin1(e.request.method));
    o.insert(u"path"_s, e.request.path);
    QJsonArray query;
    for (const auto &[name, value] : e.request.query)
        query.append(QJsonArray{name, value});
    o.insert(u"query"_s, query);
    QJsonArray headers;
    for (const auto &[name, value] : e.request.headers)
        headers.append(QJsonArray{QString::fromLatin1(name), QString::fromUtf8(value)});
    o.insert(u"headers"_s, headers);
    if (!e.request.body.isEmpty()) {
        if (isUtf8(e.request.body))
            o.insert(u"body"_s, QString::fromUtf8(e.request.body));
        else
            o.insert(u"bodyBase64"_s, QString::fromLatin1(e.request.body.toBase64()));
    }
    if (e.bodyOmitted)
        o.insert(u"bodyOmitted"_s, true);
    o.insert(u"status"_s, e.status);
    o.insert(u"elapsedMs"_s, e.elapsedMs);
    return o;
}

HistoryEntry fromJson(const QJsonObject &o)
{
    HistoryEntry e;
    e.time = QDateTime::fromString(o.value(u"time"_s).toString(), Qt::ISODateWithMs);
    e.request.method = o.value(u"method"_s).toString().toLatin1();
    e.request.path = o.value(u"path"_s).toString();
    for (const QJsonValue &item : o.value(u"query"_s).toArray()) {
        const QJsonArray pair = item.toArray();
        e.request.query.append({pair.at(0).toString(), pair.at(1).toString()});
    }
    for (const QJsonValue &item : o.value(u"headers"_s).toArray()) {
        const QJsonArray pair = item.toArray();
        e.request.headers.append(
            {pair.at(0).toString().toLatin1(), pair.at(1).toString().toUtf8()});
    }
    if (o.contains(u"bodyBase64"_s))
        e.request.body = QByteArray::fromBase64(o.value(u"bodyBase64"_s).toString().toLatin1());
    else
        e.request.body = o.value(u"body"_s).toString().toUtf8();
    e.bodyOmitted = o.value(u"bodyOmitted"_s).toBool();
    e.status = o.value(u"status"_s).toInt();
    e.elapsedMs = o.value(u"elapsedMs"_s).toInteger();
    return e;
}

} // namespace

RequestHistory::RequestHistory(const QString &filePath, int limitPerDeployment, QObject *parent)
    : QObject(parent)
    , m_filePath(filePath.isEmpty()
                     ? QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)
                         + u"/history.json"_s
                     : filePath)
    , m_limit(qMax(1, limitPerDeployment))
{
    // Writes are batched: a burst of requests costs one file write, off the request's path.
    m_saveTimer.setSingleShot(true);
    m_saveTimer.setInterval(500);
    connect(&m_saveTimer, &QTimer::timeout, this, &RequestHistory::flush);
    load();
}

RequestHistory::~RequestHistory()
{
    if (m_saveTimer.isActive())
        flush();
}

void RequestHistory::record(const QString &deploymentId, const ApiRequest &request, int status,
                            qint64 elapsedMs, const QDateTime &time)
{
    HistoryEntry entry;
    entry.time = time.toUTC();
    entry.request = withoutSecrets(request);
    entry.status = status;
    entry.elapsedMs = elapsedMs;
    if (entry.request.body.size() > maxBodyBytes) {
        entry.request.body.clear();
        entry.bodyOmitted = true;
    }
    QList<HistoryEntry> &list = m_entries[deploymentId];
    list.prepend(entry);
    if (list.size() > m_limit)
        list.resize(m_limit);
    Q_EMIT entryAdded(deploymentId, entry);
    scheduleSave();
}

QList<HistoryEntry> RequestHistory::entries(const QString &deploymentId) const
{
    return m_entries.value(deploymentId);
}

void RequestHistory::clear(const QString &deploymentId)
{
    if (m_entries.remove(deploymentId) == 0)
        return;
    Q_EMIT cleared(deploymentId);
    scheduleSave();
}

ApiRequest RequestHistory::withoutSecrets(ApiRequest request)
{
    request.headers.removeIf([](const auto &header) { return isSecretHeader(header.first); });
    request.query.removeIf([](const auto &item) {
        return item.first.compare(u"access_token"_s, Qt::CaseInsensitive) == 0;
    });
    if (QUrl url(request.path); url.isValid() && !url.isRelative() && !url.userInfo().isEmpty()) {
        url.setUserInfo({});
        request.path = url.toString();
    }
    return request;
}

bool RequestHistory::flush()
{
    m_saveTimer.stop();
    QJsonObject deployments;
    for (auto it = m_entries.cbegin(); it != m_entries.cend(); ++it) {
        QJsonArray list;
        for (const HistoryEntry &e : it.value())
            list.append(toJson(e));
        deployments.insert(it.key(), list);
    }
    const QJsonObject root{{u"version"_s, fileVersion}, {u"deployments"_s, deployments}};

    QDir().mkpath(QFileInfo(m_filePath).absolutePath());
    QSaveFile file(m_filePath);
    if (!file.open(QIODevice::WriteOnly) || file.write(QJsonDocument(root).toJson()) < 0
        || !file.commit()) {
        m_error
            = tr("Cannot write the request history to %1: %2").arg(m_filePath, file.errorString());
        qCWarning(lcApp).noquote() << m_error;
        return false;
    }
    m_error.clear();
    return true;
}

void RequestHistory::load()
{
    QFile file(m_filePath);
    if (!file.exists())
        return;
    if (!file.open(QIODevice::ReadOnly)) {
        m_error = tr("Cannot read the request history %1: %2").arg(m_filePath, file.errorString());
        return;
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &parseError);
    const QJsonObject root = document.object();
    if (parseError.error != QJsonParseError::NoError
        || root.value(u"version"_s).toInt() != fileVersion) {
        m_error = tr("The request history %1 is not one this version reads; starting afresh.")
                      .arg(m_filePath);
        qCWarning(lcApp).noquote() << m_error;
        return;
    }
    const QJsonObject deployments = root.value(u"deployments"_s).toObject();
    for (auto it = deployments.begin(); it != deployments.end(); ++it) {
        QList<HistoryEntry> list;
        for (const QJsonValue &value : it.value().toArray()) {
            // Whatever an older or hand-edited file holds, nothing secret is handed back.
            HistoryEntry e = fromJson(value.toObject());
            e.request = withoutSecrets(std::move(e.request));
            list.append(std::move(e));
            if (list.size() == m_limit)
                break;
        }
        m_entries.insert(it.key(), list);
    }
}

void RequestHistory::scheduleSave()
{
    m_saveTimer.start();
}

} // namespace fhir::app

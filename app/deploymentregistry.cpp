#include "deploymentregistry.h"

#include <QDir>
#include <QRegularExpression>
#include <QSettings>
#include <QStandardPaths>

using namespace Qt::StringLiterals;

namespace fhir::app {

namespace {

const QRegularExpression &idPattern()
{
    static const QRegularExpression pattern(u"^[a-z0-9-]{1,64}$"_s);
    return pattern;
}

// RFC 9110 §5.1: a field name is a token.
bool isToken(const QByteArray &name)
{
    static const QByteArray extra = "!#$%&'*+-.^_`|~";
    if (name.isEmpty())
        return false;
    for (const char c : name) {
        const bool alnum
            = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && !extra.contains(c))
            return false;
    }
    return true;
}

QString kindName(DeploymentEntry::Kind kind)
{
    return kind == DeploymentEntry::Kind::Embedded ? u"embedded"_s : u"remote"_s;
}

} // namespace

QString secretKey(const QString &deploymentId)
{
    return deploymentId;
}

QString headerSecretKey(const QString &deploymentId, const QByteArray &headerName)
{
    return deploymentId + u"/header/"_s + QString::fromLatin1(headerName.toLower());
}

DeploymentRegistry::DeploymentRegistry(QSettings *settings, const QString &dataRoot,
                                       QObject *parent)
    : QAbstractListModel(parent)
    , m_settings(settings ? settings : new QSettings(this))
    , m_dataRoot(dataRoot.isEmpty()
                     ? QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)
                         + u"/deployments"_s
                     : dataRoot)
{
    load();
}

DeploymentRegistry::~DeploymentRegistry() = default;

std::optional<DeploymentEntry> DeploymentRegistry::entry(const QString &id) const
{
    const int row = indexOf(id);
    if (row < 0)
        return std::nullopt;
    return m_entries.at(row);
}

int DeploymentRegistry::indexOf(const QString &id) const
{
    for (qsizetype i = 0; i < m_entries.size(); ++i) {
        if (m_entries.at(i).id == id)
            return int(i);
    }
    return -1;
}

Result<DeploymentEntry> DeploymentRegistry::add(DeploymentEntry entry)
{
    if (entry.id.isEmpty())
        entry.id = uniqueIdFor(entry.name);
    if (indexOf(entry.id) >= 0)
        return Error{tr("A deployment with the id %1 exists already.").arg(entry.id)};
    auto checked = validated(std::move(entry));
    if (!checked)
        return checked;
    const int row = int(m_entries.size());
    beginInsertRows({}, row, row);
    m_entries.append(*checked);
    endInsertRows();
    save();
    return checked;
}

Result<bool> DeploymentRegistry::update(const DeploymentEntry &entry)
{
    const int row = indexOf(entry.id);
    if (row < 0)
        return Error{tr("There is no deployment with the id %1.").arg(entry.id)};
    auto checked = validated(entry);
    if (!checked)
        return Error{checked.error()};
    m_entries[row] = *checked;
    Q_EMIT dataChanged(index(row), index(row));
    save();
    return true;
}

bool DeploymentRegistry::remove(const QString &id)
{
    const int row = indexOf(id);
    if (row < 0)
        return false;
    beginRemoveRows({}, row, row);
    m_entries.removeAt(row);
    endRemoveRows();
    if (m_currentId == id)
        m_currentId.clear();
    save();
    return true;
}

QString DeploymentRegistry::dataFolder(const QString &id) const
{
    return QDir(m_dataRoot).filePath(id);
}

void DeploymentRegistry::setCurrentId(const QString &id)
{
    if (m_currentId == id)
        return;
    m_currentId = id;
    save();
}

int DeploymentRegistry::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

QVariant DeploymentRegistry::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const DeploymentEntry &e = m_entries.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case Qt::AccessibleTextRole:
        return e.name;
    case Qt::ToolTipRole:
    case DescriptionRole:
        if (e.isEmbedded()) {
            return e.port ? tr("Embedded server on port %1").arg(e.port)
                          : tr("Embedded server on a free port");
        }
        return e.baseUrl.toString();
    case IdRole:
        return e.id;
    case KindRole:
        return int(e.kind);
    default:
        return {};
    }
}

QHash<int, QByteArray> DeploymentRegistry::roleNames() const
{
    auto names = QAbstractListModel::roleNames();
    names.insert(IdRole, "deploymentId");
    names.insert(KindRole, "kind");
    names.insert(DescriptionRole, "description");
    return names;
}

Result<DeploymentEntry> DeploymentRegistry::validated(DeploymentEntry entry) const
{
    entry.name = entry.name.trimmed();
    if (entry.name.isEmpty())
        return Error{tr("A deployment needs a name.")};
    if (!idPattern().match(entry.id).hasMatch())
        return Error{
            tr("\"%1\" is not a deployment id: use 1 to 64 of a-z, 0-9 and -.").arg(entry.id)};
    if (entry.isEmbedded()) {
        entry.baseUrl.clear();
        entry.headers.clear();
        entry.secretHeaders.clear();
        return entry;
    }
    const QString scheme = entry.baseUrl.scheme();
    if (!entry.baseUrl.isValid() || entry.baseUrl.host().isEmpty()
        || (scheme != u"http"_s && scheme != u"https"_s)) {
        return Error{tr("\"%1\" is not an http(s) URL of a FHIR server.")
                         .arg(entry.baseUrl.toDisplayString())};
    }
    if (entry.baseUrl.hasQuery() || entry.baseUrl.hasFragment())
        return Error{tr("The base URL may not have a query or a fragment.")};
    QString path = entry.baseUrl.path();
    while (path.endsWith(u'/'))
        path.chop(1);
    entry.baseUrl.setPath(path);
    for (const auto &[name, value] : std::as_const(entry.headers)) {
        if (!isToken(name))
            return Error{tr("\"%1\" is not a header name.").arg(QString::fromUtf8(name))};
        if (isSecretHeader(name)) {
            return Error{tr("%1 carries a credential: it is kept in the keychain, not with the "
                            "plain headers.")
                             .arg(QString::fromUtf8(name))};
        }
        if (value.contains('\n') || value.contains('\r'))
            return Error{tr("The value of %1 has a line break.").arg(QString::fromUtf8(name))};
    }
    for (const QByteArray &name : std::as_const(entry.secretHeaders)) {
        if (!isToken(name))
            return Error{tr("\"%1\" is not a header name.").arg(QString::fromUtf8(name))};
    }
    entry.port = 0;
    entry.requireApiKey = false;
    return entry;
}

QString DeploymentRegistry::uniqueIdFor(const QString &name) const
{
    QString base;
    for (const QChar c : name.toLower()) {
        if ((c >= u'a' && c <= u'z') || (c >= u'0' && c <= u'9'))
            base += c;
        else if (!base.isEmpty() && !base.endsWith(u'-'))
            base += u'-';
    }
    while (base.endsWith(u'-'))
        base.chop(1);
    base.truncate(56); // room for a "-NNN" suffix
    if (base.isEmpty())
        base = u"deployment"_s;
    QString id = base;
    for (int n = 2; indexOf(id) >= 0; ++n)
        id = base + u'-' + QString::number(n);
    return id;
}

void DeploymentRegistry::load()
{
    const int count = m_settings->beginReadArray(u"deployments"_s);
    for (int i = 0; i < count; ++i) {
        m_settings->setArrayIndex(i);
        DeploymentEntry e;
        e.kind = m_settings->value(u"kind"_s).toString() == u"remote"_s
            ? DeploymentEntry::Kind::Remote
            : DeploymentEntry::Kind::Embedded;
        e.id = m_settings->value(u"id"_s).toString();
        e.name = m_settings->value(u"name"_s).toString();
        e.port = quint16(m_settings->value(u"port"_s, 0).toUInt());
        e.requireApiKey = m_settings->value(u"requireApiKey"_s, true).toBool();
        e.oauth = m_settings->value(u"oauth"_s, false).toBool();
        e.baseUrl = QUrl(m_settings->value(u"baseUrl"_s).toString());
        const QStringList headers = m_settings->value(u"headers"_s).toStringList();
        for (const QString &line : headers) {
            const qsizetype colon = line.indexOf(u':');
            if (colon > 0)
                e.headers.append(
                    {line.left(colon).toUtf8(), line.mid(colon + 1).trimmed().toUtf8()});
        }
        const QStringList secret = m_settings->value(u"secretHeaders"_s).toStringList();
        for (const QString &name : secret)
            e.secretHeaders.append(name.toUtf8());
        // An entry someone edited by hand into something invalid is skipped, not trusted.
        if (auto checked = validated(e); checked && indexOf(checked->id) < 0)
            m_entries.append(*checked);
    }
    m_settings->endArray();
    m_currentId = m_settings->value(u"currentDeployment"_s).toString();
    if (indexOf(m_currentId) < 0)
        m_currentId.clear();
}

void DeploymentRegistry::save()
{
    m_settings->remove(u"deployments"_s);
    m_settings->beginWriteArray(u"deployments"_s, int(m_entries.size()));
    for (qsizetype i = 0; i < m_entries.size(); ++i) {
        const DeploymentEntry &e = m_entries.at(i);
        m_settings->setArrayIndex(int(i));
        m_settings->setValue(u"kind"_s, kindName(e.kind));
        m_settings->setValue(u"id"_s, e.id);
        m_settings->setValue(u"name"_s, e.name);
        if (e.isEmbedded()) {
            m_settings->setValue(u"port"_s, e.port);
            m_settings->setValue(u"requireApiKey"_s, e.requireApiKey);
            m_settings->setValue(u"oauth"_s, e.oauth);
            continue;
        }
        m_settings->setValue(u"baseUrl"_s, e.baseUrl.toString());
        QStringList headers;
        for (const auto &[name, value] : e.headers)
            headers.append(QString::fromUtf8(name + ": " + value));
        m_settings->setValue(u"headers"_s, headers);
        QStringList secret;
        for (const QByteArray &name : e.secretHeaders)
            secret.append(QString::fromUtf8(name));
        m_settings->setValue(u"secretHeaders"_s, secret);
    }
    m_settings->endArray();
    m_settings->setValue(u"currentDeployment"_s, m_currentId);
    m_settings->sync();
}

} // namespace fhir::app

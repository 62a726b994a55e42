#include "operationsmodel.h"

#include "ui/models/jsonfields.h"

#include <QRegularExpression>

using namespace Qt::StringLiterals;
using Json = nlohmann::json;

namespace fhir::ui {

namespace {

using jsonfields::text;

QStringList codes(const Json &object, const char *listKey, const char *field)
{
    QStringList out;
    const auto it = object.find(listKey);
    if (it == object.end() || !it->is_array())
        return out;
    for (const Json &item : *it) {
        if (item.is_object())
            out.append(text(item, field));
    }
    return out;
}

const Json *firstServerRest(const Json &cs)
{
    const auto rest = cs.find("rest");
    if (rest == cs.end() || !rest->is_array())
        return nullptr;
    for (const Json &r : *rest) {
        if (r.is_object() && text(r, "mode") != u"client"_s)
            return &r;
    }
    return nullptr;
}

// Operations the spec defines on an instance, and those read with GET (operations.html:
// an operation that does not change anything may be invoked with GET).
struct OperationShape
{
    bool instance;
    QByteArray method;
};

// CapabilityStatement.rest.operation.name is written without '$', but some servers add it.
QStringList operationNames(QStringList names)
{
    for (QString &name : names) {
        if (name.startsWith(u'$'))
            name.remove(0, 1);
    }
    names.removeAll(QString());
    return names;
}

OperationShape shapeOf(const QString &name)
{
    static const QStringList instanceGet
        = {u"everything"_s, u"meta"_s, u"document"_s, u"summary"_s, u"graph"_s};
    static const QStringList instancePost = {u"meta-add"_s, u"meta-delete"_s, u"process-message"_s};
    static const QStringList typeGet
        = {u"lastn"_s,     u"stats"_s,    u"expand"_s,        u"lookup"_s,
           u"translate"_s, u"subsumes"_s, u"validate-code"_s, u"closure"_s};
    if (instanceGet.contains(name))
        return {true, "GET"};
    if (instancePost.contains(name))
        return {true, "POST"};
    if (typeGet.contains(name))
        return {false, "GET"};
    return {false, "POST"};
}

} // namespace

QString Operation::displayPath() const
{
    return u'/' + pathTemplate;
}

QStringList Operation::pathParameters() const
{
    static const QRegularExpression placeholder(u"\\{([a-z]+)\\}"_s);
    QStringList out;
    for (auto it = placeholder.globalMatch(pathTemplate); it.hasNext();)
        out.append(it.next().captured(1));
    return out;
}

bool Operation::takesBody() const
{
    switch (kind) {
    case Kind::Create:
    case Kind::Update:
    case Kind::Patch:
    case Kind::Batch:
        return true;
    case Kind::NamedOperation:
        return method == "POST";
    default:
        return false;
    }
}

bool Operation::isSearch() const
{
    return kind == Kind::Search || kind == Kind::SearchPost || kind == Kind::SearchSystem;
}

OperationsModel::OperationsModel(QObject *parent)
    : QAbstractListModel(parent)
{
    rebuild();
}

void OperationsModel::setCapabilities(const Json &capabilityStatement)
{
    m_capabilities = capabilityStatement.is_object() ? capabilityStatement : Json();
    rebuild();
}

void OperationsModel::setResourceType(const QString &type)
{
    m_type = type;
    rebuild();
}

const Json *OperationsModel::restResource(const QString &type) const
{
    const Json *rest = firstServerRest(m_capabilities);
    if (rest == nullptr)
        return nullptr;
    const auto resources = rest->find("resource");
    if (resources == rest->end() || !resources->is_array())
        return nullptr;
    for (const Json &r : *resources) {
        if (r.is_object() && text(r, "type") == type)
            return &r;
    }
    return nullptr;
}

QStringList OperationsModel::declaredTypes() const
{
    QStringList out;
    const Json *rest = hasCapabilities() ? firstServerRest(m_capabilities) : nullptr;
    if (rest != nullptr)
        out = codes(*rest, "resource", "type");
    out.removeAll(QString());
    return out;
}

QStringList OperationsModel::declaredSearchParameters(const QString &type) const
{
    const Json *resource = restResource(type);
    return resource ? codes(*resource, "searchParam", "name") : QStringList();
}

void OperationsModel::rebuild()
{
    beginResetModel();
    m_operations.clear();
    const bool known = hasCapabilities();
    const Json *rest = known ? firstServerRest(m_capabilities) : nullptr;

    if (!m_type.isEmpty()) {
        QStringList interactions;
        QStringList operations;
        if (!known) {
            // What R4 defines for every server (http.html), with the two operations a newcomer
            // meets first.
            interactions = {u"search-type"_s, u"create"_s, u"read"_s,  u"update"_s,
                            u"patch"_s,       u"delete"_s, u"vread"_s, u"history-instance"_s,
                            u"history-type"_s};
            operations = {u"validate"_s};
            if (m_type == u"Patient"_s || m_type == u"Encounter"_s)
                operations.append(u"everything"_s);
        } else if (const Json *resource = restResource(m_type)) {
            interactions = codes(*resource, "interaction", "code");
            operations = codes(*resource, "operation", "name");
        }
        const QString t = m_type;
        auto add = [this](Operation::Kind kind, const QByteArray &method, const QString &path,
                          const QString &summary) {
            m_operations.append({kind, method, path, summary, false});
        };
        // Swagger's order: the collection, then the instance, then history (http.html).
        struct Offer
        {
            const char *interaction;
            Operation::Kind kind;
            const char *method;
            const char *suffix;
            const char *summary;
        };
        static const Offer offers[] = {
            {"search-type", Operation::Kind::Search, "GET", "", QT_TR_NOOP("Search %1 resources")},
            {"create", Operation::Kind::Create, "POST", "", QT_TR_NOOP("Create a %1")},
            {"read", Operation::Kind::Read, "GET", "/{id}", QT_TR_NOOP("Read a %1 by id")},
            {"update", Operation::Kind::Update, "PUT", "/{id}",
             QT_TR_NOOP("Update (or create) a %1 by id")},
            {"patch", Operation::Kind::Patch, "PATCH", "/{id}",
             QT_TR_NOOP("Change parts of a %1 (JSON Patch)")},
            {"delete", Operation::Kind::Delete, "DELETE", "/{id}", QT_TR_NOOP("Delete a %1")},
            {"history-instance", Operation::Kind::HistoryInstance, "GET", "/{id}/_history",
             QT_TR_NOOP("Every version of a %1")},
            {"vread", Operation::Kind::VRead, "GET", "/{id}/_history/{vid}",
             QT_TR_NOOP("Read one version of a %1")},
            {"history-type", Operation::Kind::HistoryType, "GET", "/_history",
             QT_TR_NOOP("Changes to every %1")},
            {"search-type", Operation::Kind::SearchPost, "POST", "/_search",
             QT_TR_NOOP("Search %1 resources with a form body")},
        };
        for (const Offer &offer : offers) {
            if (interactions.contains(QLatin1String(offer.interaction)))
                add(offer.kind, offer.method, t + QLatin1String(offer.suffix),
                    tr(offer.summary).arg(t));
        }
        for (const QString &name : operationNames(operations)) {
            const OperationShape shape = shapeOf(name);
            // Patient's $everything is defined at the type level too, for every patient
            // (patient-operation-everything.html); the other instance operations are not.
            if (shape.instance && name == u"everything"_s && t == u"Patient"_s)
                add(Operation::Kind::NamedOperation, shape.method, t + u"/$"_s + name,
                    tr("The $%1 operation, every %2").arg(name, t));
            add(Operation::Kind::NamedOperation, shape.method,
                shape.instance ? t + u"/{id}/$"_s + name : t + u"/$"_s + name,
                tr("The $%1 operation").arg(name));
        }
    }

    // The system level: what rest.interaction declares; capabilities are always there, since
    // that is where the list comes from.
    QStringList system = {u"transaction"_s, u"batch"_s, u"history-system"_s, u"search-system"_s};
    QStringList systemOperations;
    if (rest != nullptr) {
        system = codes(*rest, "interaction", "code");
        systemOperations = codes(*rest, "operation", "name");
    }
    auto addSystem = [this](Operation::Kind kind, const QByteArray &method, const QString &path,
                            const QString &summary) {
        m_operations.append({kind, method, path, summary, true});
    };
    addSystem(Operation::Kind::Capabilities, "GET", u"metadata"_s,
              tr("The server's CapabilityStatement"));
    const bool transaction = system.contains(u"transaction"_s);
    const bool batch = system.contains(u"batch"_s);
    if (transaction || batch) {
        addSystem(Operation::Kind::Batch, "POST", QString(),
                  transaction && batch
                      ? tr("Run a batch or transaction Bundle")
                      : (transaction ? tr("Run a transaction Bundle") : tr("Run a batch Bundle")));
    }
    if (system.contains(u"history-system"_s))
        addSystem(Operation::Kind::HistorySystem, "GET", u"_history"_s,
                  tr("Changes to every resource"));
    if (system.contains(u"search-system"_s))
        addSystem(Operation::Kind::SearchSystem, "GET", QString(),
                  tr("Search across types (?_type=…)"));
    for (const QString &name : operationNames(systemOperations))
        addSystem(Operation::Kind::NamedOperation, shapeOf(name).method, u"$"_s + name,
                  tr("The $%1 operation").arg(name));
    endResetModel();
}

int OperationsModel::rowOf(const QByteArray &method, const QString &pathTemplate) const
{
    for (qsizetype i = 0; i < m_operations.size(); ++i) {
        if (m_operations.at(i).method == method && m_operations.at(i).pathTemplate == pathTemplate)
            return int(i);
    }
    return -1;
}

int OperationsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_operations.size());
}

QVariant OperationsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.model() != this)
        return {};
    const Operation &op = m_operations.at(index.row());
    const QString shownPath
        = op.kind == Operation::Kind::SearchSystem ? u"/?_type=…"_s : op.displayPath();
    switch (role) {
    case Qt::DisplayRole:
        return QString(QString::fromLatin1(op.method) + u' ' + shownPath);
    case Qt::ToolTipRole:
    case SummaryRole:
        return op.summary;
    case Qt::AccessibleTextRole:
        return QString(QString::fromLatin1(op.method) + u' ' + shownPath + u", "_s + op.summary);
    case MethodRole:
        return op.method;
    case PathRole:
        return shownPath;
    case SystemRole:
        return op.system;
    default:
        return {};
    }
}

} // namespace fhir::ui

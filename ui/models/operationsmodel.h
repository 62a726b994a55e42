#pragma once

#include <QAbstractListModel>
#include <QList>
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

namespace fhir::ui {

/// One REST operation a server offers, as Swagger lists it: "GET /Patient/{id}".
struct Operation
{
    enum class Kind {
        Search,
        SearchPost,
        Create,
        Read,
        VRead,
        Update,
        Patch,
        Delete,
        HistoryInstance,
        HistoryType,
        HistorySystem,
        Capabilities,
        Batch, ///< batch or transaction: POST [base]
        SearchSystem,
        NamedOperation ///< $validate, $everything...
    };

    Kind kind = Kind::Read;
    QByteArray method;
    /// Relative to the base URL, with placeholders: "Patient/{id}/_history/{vid}", "" for the
    /// base itself, "Patient/$validate".
    QString pathTemplate;
    QString summary; ///< one line: "Read the current version of a Patient"
    bool system = false; ///< a system-level operation (no resource type in the path)

    /// "/Patient/{id}" as shown in the list.
    QString displayPath() const;
    /// The placeholders of the path, in order: "id", "vid".
    QStringList pathParameters() const;
    /// Whether a request of this kind usually carries a resource or Bundle body.
    bool takesBody() const;
    /// Whether its query is a FHIR search (a search form applies).
    bool isSearch() const;
};

/// The operations offered on one resource type and at the system level, built from the
/// server's CapabilityStatement (rest.resource.interaction, rest.resource.operation,
/// rest.interaction, rest.operation), so a remote server shows exactly what it declares.
/// Without a CapabilityStatement it lists what FHIR R4 defines for every server.
///
///     OperationsModel ops;
///     ops.setCapabilities(capabilityStatementJson);
///     ops.setResourceType(u"Patient"_s);
///     const Operation &op = ops.operation(0); // GET /Patient
class OperationsModel : public QAbstractListModel
{
    Q_OBJECT

public:
    enum Role {
        MethodRole = Qt::UserRole + 1, ///< QByteArray "GET"
        PathRole, ///< QString "/Patient/{id}"
        SummaryRole,
        SystemRole ///< bool
    };

    explicit OperationsModel(QObject *parent = nullptr);

    /// A CapabilityStatement (a null or non-object json means: none known).
    void setCapabilities(const nlohmann::json &capabilityStatement);
    void setResourceType(const QString &type);
    QString resourceType() const { return m_type; }
    /// Whether a CapabilityStatement is in use.
    bool hasCapabilities() const { return m_capabilities.is_object(); }
    /// The resource types the CapabilityStatement declares (empty without one).
    QStringList declaredTypes() const;
    /// The search parameter names the CapabilityStatement declares for a type.
    QStringList declaredSearchParameters(const QString &type) const;

    const Operation &operation(int row) const { return m_operations.at(row); }
    /// The row of the operation with this method and path template, or -1.
    int rowOf(const QByteArray &method, const QString &pathTemplate) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

private:
    void rebuild();
    const nlohmann::json *restResource(const QString &type) const;

    nlohmann::json m_capabilities;
    QString m_type;
    QList<Operation> m_operations;
};

} // namespace fhir::ui

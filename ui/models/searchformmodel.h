#pragma once

#include "schemas/model.h"

#include <QAbstractTableModel>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>

#include <memory>

namespace fhir::ui {

/// The search form of one resource type: a row per search parameter of the type, then the
/// common result parameters (_count, _sort, _include, _revinclude, _summary, _elements,
/// _total). Each row has a modifier (those valid for its type), a prefix (number, date and
/// quantity), and a value; several values in one row are OR'd (comma-separated, as the URL
/// writes them), and a parameter repeated in several rows is AND'd.
///
///     SearchFormModel form;
///     form.setResourceType(model, u"Patient"_s);
///     form.setValue(form.rowOf(u"gender"_s), u"male"_s);
///     form.queryItems(); // {{"gender", "male"}}
class SearchFormModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { NameColumn, ModifierColumn, PrefixColumn, ValueColumn, ColumnCount };
    /// Which editor fits a row's value.
    enum class EditorKind { Text, Token, Reference, Date, Number, Quantity, Integer, Choice };
    Q_ENUM(EditorKind)
    enum Role {
        ChoicesRole = Qt::UserRole + 1, ///< QStringList for a combo box (modifier, prefix, value)
        PlaceholderRole, ///< a hint of the value's shape: "system|code", "Type/id"
        EditorKindRole, ///< EditorKind as int
        CodeRole, ///< the parameter's code
        DeclaredRole ///< bool: the server's CapabilityStatement lists it (true when unknown)
    };

    explicit SearchFormModel(QObject *parent = nullptr);

    /// Rebuilds the rows for a type; values typed so far are dropped.
    void setResourceType(std::shared_ptr<const schema::Model> model, const QString &type);
    /// The parameters the server declares for the type; rows outside it are marked (and still
    /// usable: a server may support more than it says). Empty: nothing is marked.
    void setDeclared(const QStringList &codes);

    /// The first row of a parameter, or -1.
    int rowOf(const QString &code) const;
    /// Adds a row for the same parameter below `row` (AND), and returns it.
    int duplicateRow(int row);
    void setValue(int row, const QString &value);
    void setModifier(int row, const QString &modifier);
    void setPrefix(int row, const QString &prefix);
    /// Empties every value.
    void clearValues();

    /// The query items of the rows with a value, in row order: "gender:not" = "male,female";
    /// a prefix applies to each OR'd value that does not carry one already.
    QList<QPair<QString, QString>> queryItems() const;
    /// Fills the form from query items (values of unknown parameters are returned).
    QList<QPair<QString, QString>> setQueryItems(const QList<QPair<QString, QString>> &items);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex &index, const QVariant &value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    /// The query the form makes changed.
    void queryChanged();

private:
    struct Row
    {
        QString code;
        QString typeName; ///< "token", "date", or "result" for _count and friends
        QString description;
        EditorKind kind = EditorKind::Text;
        QStringList modifiers;
        QStringList prefixes;
        QStringList choices; ///< values for Choice rows, suggestions otherwise
        QString placeholder;
        QString modifier;
        QString prefix;
        QString value;
    };
    static Row rowFor(const schema::SearchParameter &parameter);

    QList<Row> m_rows;
    QStringList m_declared;
};

} // namespace fhir::ui

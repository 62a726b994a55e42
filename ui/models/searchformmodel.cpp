#include "searchformmodel.h"

#include <QFont>

using namespace Qt::StringLiterals;

namespace fhir::ui {

namespace {

bool startsWithPrefix(const QString &value, const QStringList &prefixes)
{
    for (const QString &p : prefixes) {
        if (value.size() > p.size() && value.startsWith(p)
            && (value.at(p.size()).isDigit() || value.at(p.size()) == u'-'))
            return true;
    }
    return false;
}

} // namespace

SearchFormModel::SearchFormModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

SearchFormModel::Row SearchFormModel::rowFor(const schema::SearchParameter &p)
{
    Row row;
    row.code = p.code;
    row.typeName = schema::searchParamTypeName(p.type);
    row.description = p.description;
    row.modifiers = p.modifiers.isEmpty() ? schema::modifiersForType(p.type) : p.modifiers;
    if (p.type == schema::SearchParamType::Reference) {
        for (const QString &target : p.targets) {
            if (!row.modifiers.contains(target))
                row.modifiers.append(target);
        }
    }
    row.prefixes = p.comparators.isEmpty() ? schema::comparatorsForType(p.type) : p.comparators;
    switch (p.type) {
    case schema::SearchParamType::Token:
        row.kind = EditorKind::Token;
        row.placeholder = tr("code, or system|code");
        break;
    case schema::SearchParamType::Reference:
        row.kind = EditorKind::Reference;
        row.placeholder
            = p.targets.size() == 1 ? tr("%1/id").arg(p.targets.first()) : tr("Type/id");
        break;
    case schema::SearchParamType::Date:
        row.kind = EditorKind::Date;
        row.placeholder = tr("YYYY-MM-DD, or YYYY-MM-DDThh:mm:ssZ");
        break;
    case schema::SearchParamType::Number:
        row.kind = EditorKind::Number;
        row.placeholder = tr("number");
        break;
    case schema::SearchParamType::Quantity:
        row.kind = EditorKind::Quantity;
        row.placeholder = tr("value|system|unit, e.g. 5.4|http://unitsofmeasure.org|mg");
        break;
    case schema::SearchParamType::Composite:
        row.placeholder = tr("first$second");
        break;
    case schema::SearchParamType::Uri:
        row.placeholder = tr("URI");
        break;
    default:
        row.placeholder = tr("text");
        break;
    }
    return row;
}

void SearchFormModel::setResourceType(std::shared_ptr<const schema::Model> model,
                                      const QString &type)
{
    beginResetModel();
    m_rows.clear();
    QStringList includes;
    if (model) {
        if (const auto params = model->searchParameters(type); params) {
            // The type's own parameters first, then the ones every resource has (_id...).
            QList<Row> common;
            for (const schema::SearchParameter *p : *params) {
                if (p->code.startsWith(u'_'))
                    common.append(rowFor(*p));
                else
                    m_rows.append(rowFor(*p));
                if (p->type == schema::SearchParamType::Reference && !p->code.startsWith(u'_'))
                    includes.append(type + u':' + p->code);
            }
            m_rows.append(common);
        }
    }
    auto result = [this](const QString &code, EditorKind kind, const QString &placeholder,
                         const QStringList &choices, const QString &description) {
        Row row;
        row.code = code;
        row.typeName = u"result"_s;
        row.kind = kind;
        row.placeholder = placeholder;
        row.choices = choices;
        row.description = description;
        m_rows.append(row);
    };
    // search.html §3.1.1.5 (result parameters).
    result(u"_count"_s, EditorKind::Integer, tr("entries per page"), {},
           tr("How many matches per page"));
    result(u"_sort"_s, EditorKind::Text, tr("-_lastUpdated, or name,-birthdate"), {},
           tr("Sort order: parameter names, '-' for descending"));
    includes.prepend(type + u":*"_s);
    result(u"_include"_s, EditorKind::Text, tr("%1:parameter").arg(type), includes,
           tr("Also return resources the matches refer to"));
    result(u"_revinclude"_s, EditorKind::Text, tr("Observation:subject"), {},
           tr("Also return resources that refer to the matches"));
    result(u"_summary"_s, EditorKind::Choice, QString(),
           {QString(), u"true"_s, u"text"_s, u"data"_s, u"count"_s, u"false"_s},
           tr("Return only a summary of each resource, or only the count"));
    result(u"_elements"_s, EditorKind::Text, tr("name,gender"), {},
           tr("Return only these elements of each resource"));
    result(u"_total"_s, EditorKind::Choice, QString(),
           {QString(), u"none"_s, u"estimate"_s, u"accurate"_s},
           tr("Whether the server counts every match"));
    endResetModel();
    Q_EMIT queryChanged();
}

void SearchFormModel::setDeclared(const QStringList &codes)
{
    m_declared = codes;
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

int SearchFormModel::rowOf(const QString &code) const
{
    for (qsizetype i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).code == code)
            return int(i);
    }
    return -1;
}

int SearchFormModel::duplicateRow(int row)
{
    if (row < 0 || row >= m_rows.size())
        return -1;
    Row copy = m_rows.at(row);
    copy.modifier.clear();
    copy.prefix.clear();
    copy.value.clear();
    beginInsertRows({}, row + 1, row + 1);
    m_rows.insert(row + 1, copy);
    endInsertRows();
    return row + 1;
}

void SearchFormModel::setValue(int row, const QString &value)
{
    setData(index(row, ValueColumn), value);
}

void SearchFormModel::setModifier(int row, const QString &modifier)
{
    setData(index(row, ModifierColumn), modifier);
}

void SearchFormModel::setPrefix(int row, const QString &prefix)
{
    setData(index(row, PrefixColumn), prefix);
}

void SearchFormModel::clearValues()
{
    for (Row &row : m_rows) {
        row.value.clear();
        row.modifier.clear();
        row.prefix.clear();
    }
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
    Q_EMIT queryChanged();
}

QList<QPair<QString, QString>> SearchFormModel::queryItems() const
{
    QList<QPair<QString, QString>> out;
    for (const Row &row : m_rows) {
        const QString value = row.value.trimmed();
        if (value.isEmpty())
            continue;
        QString text = value;
        if (!row.prefix.isEmpty()) {
            QStringList parts = value.split(u',');
            for (QString &part : parts) {
                part = part.trimmed();
                if (!startsWithPrefix(part, row.prefixes))
                    part.prepend(row.prefix);
            }
            text = parts.join(u',');
        }
        out.append({row.modifier.isEmpty() ? row.code : row.code + u':' + row.modifier, text});
    }
    return out;
}

QList<QPair<QString, QString>>
SearchFormModel::setQueryItems(const QList<QPair<QString, QString>> &items)
{
    beginResetModel();
    // Drop the extra AND rows, then empty the values.
    QStringList seen;
    for (qsizetype i = 0; i < m_rows.size();) {
        if (seen.contains(m_rows.at(i).code)) {
            m_rows.removeAt(i);
            continue;
        }
        seen.append(m_rows.at(i).code);
        Row &row = m_rows[i];
        row.value.clear();
        row.modifier.clear();
        row.prefix.clear();
        ++i;
    }
    QList<QPair<QString, QString>> unknown;
    for (const auto &[name, value] : items) {
        const QString code = name.section(u':', 0, 0);
        const QString modifier = name.section(u':', 1);
        int row = -1;
        for (qsizetype i = 0; i < m_rows.size(); ++i) {
            if (m_rows.at(i).code == code) {
                row = int(i);
                if (m_rows.at(i).value.isEmpty())
                    break;
            }
        }
        if (row < 0) {
            unknown.append({name, value});
            continue;
        }
        if (!m_rows.at(row).value.isEmpty()) {
            Row copy = m_rows.at(row);
            m_rows.insert(row + 1, copy);
            ++row;
        }
        Row &target = m_rows[row];
        target.modifier = modifier;
        target.prefix.clear();
        target.value = value;
    }
    endResetModel();
    Q_EMIT queryChanged();
    return unknown;
}

int SearchFormModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int SearchFormModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant SearchFormModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.model() != this)
        return {};
    const Row &row = m_rows.at(index.row());
    const bool declared
        = m_declared.isEmpty() || row.typeName == u"result"_s || m_declared.contains(row.code);
    switch (role) {
    case Qt::DisplayRole:
    case Qt::EditRole:
        switch (index.column()) {
        case NameColumn:
            return row.code;
        case ModifierColumn:
            return row.modifier.isEmpty() || role == Qt::EditRole ? row.modifier
                                                                  : QString(u':' + row.modifier);
        case PrefixColumn:
            return row.prefix;
        case ValueColumn:
            return row.value;
        default:
            return {};
        }
    case Qt::ToolTipRole:
        return declared ? QString(row.description + u" ("_s + row.typeName + u')')
                        : tr("%1 (%2). The server does not list this parameter; it may refuse "
                             "it.")
                              .arg(row.description, row.typeName);
    case Qt::FontRole:
        if (index.column() == NameColumn && !declared) {
            QFont font;
            font.setItalic(true);
            return font;
        }
        return {};
    case ChoicesRole:
        if (index.column() == ModifierColumn)
            return QStringList{QString()} + row.modifiers;
        if (index.column() == PrefixColumn)
            return row.prefixes.isEmpty() ? QStringList() : QStringList{QString()} + row.prefixes;
        if (index.column() == ValueColumn)
            return row.choices;
        return {};
    case PlaceholderRole:
        return row.placeholder;
    case EditorKindRole:
        return int(row.kind);
    case CodeRole:
        return row.code;
    case DeclaredRole:
        return declared;
    default:
        return {};
    }
}

bool SearchFormModel::setData(const QModelIndex &index, const QVariant &value, int role)
{
    if (role != Qt::EditRole || !index.isValid() || index.model() != this
        || !(flags(index) & Qt::ItemIsEditable))
        return false;
    Row &row = m_rows[index.row()];
    QString text = value.toString();
    switch (index.column()) {
    case ModifierColumn:
        if (text.startsWith(u':'))
            text.remove(0, 1);
        if (!text.isEmpty() && !row.modifiers.contains(text))
            return false;
        row.modifier = text;
        break;
    case PrefixColumn:
        if (!text.isEmpty() && !row.prefixes.contains(text))
            return false;
        row.prefix = text;
        break;
    case ValueColumn:
        row.value = text;
        break;
    default:
        return false;
    }
    Q_EMIT dataChanged(index, index);
    Q_EMIT queryChanged();
    return true;
}

Qt::ItemFlags SearchFormModel::flags(const QModelIndex &index) const
{
    if (!index.isValid() || index.model() != this)
        return Qt::NoItemFlags;
    Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
    const Row &row = m_rows.at(index.row());
    if (index.column() == ValueColumn
        || (index.column() == ModifierColumn && !row.modifiers.isEmpty())
        || (index.column() == PrefixColumn && !row.prefixes.isEmpty()))
        f |= Qt::ItemIsEditable;
    return f;
}

QVariant SearchFormModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Parameter");
    case ModifierColumn:
        return tr("Modifier");
    case PrefixColumn:
        return tr("Prefix");
    case ValueColumn:
        return tr("Value (a,b = a or b)");
    default:
        return {};
    }
}

} // namespace fhir::ui

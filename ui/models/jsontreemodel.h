#pragma once

#include "schemas/result.h"
#include "ui/models/nodetreemodel.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <vector>

namespace fhir::ui {

/// A member or item of a JSON document, as JsonTreeModel shows it.
struct JsonNode : TreeNode<JsonNode>
{
    QString key;
    QString path;
    const nlohmann::ordered_json *value = nullptr; // inside the model's document
    bool fetched = false;
};

/// A JSON document as a collapsible tree: key (or [index]), value, JSON type. Children are
/// made when a node is expanded (canFetchMore / fetchMore), so a large body opens at once.
class JsonTreeModel : public NodeTreeModel<JsonNode>
{
    Q_OBJECT

public:
    enum Column { KeyColumn, ValueColumn, TypeColumn, ColumnCount };
    enum Role { PathRole = Qt::UserRole + 1 }; ///< "name[0].given[1]"

    explicit JsonTreeModel(QObject *parent = nullptr);
    ~JsonTreeModel() override;

    /// Shows `json`; an error (and an empty tree) when it is not JSON.
    Result<bool> setJson(const QByteArray &json);
    void clear();

    int columnCount(const QModelIndex &parent = {}) const override;
    bool hasChildren(const QModelIndex &parent = {}) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    static void makeChildren(JsonNode *node);

    nlohmann::ordered_json m_document;
    bool m_changing = false; // a reset or insertion is announced: fetch nothing meanwhile
};

} // namespace fhir::ui

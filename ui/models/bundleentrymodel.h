#pragma once

#include "schemas/result.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <optional>
#include <vector>

namespace fhir::ui {

/// The entries of a Bundle as a table: resource type, id, a one-line summary a person can
/// read (Patient: name, gender, birth date; Observation: code, value with unit, date; others:
/// their name, title, code or status), last updated, search mode. The Bundle is parsed once;
/// summaries are made when a row is first shown and kept, so a 10,000-entry Bundle fills a
/// view at once.
///
///     BundleEntryModel entries;
///     if (auto ok = entries.setBundle(response.body); !ok) showError(ok.error());
///     entries.link(u"next"_s); // the URL of the next page, or empty
class BundleEntryModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { TypeColumn, IdColumn, SummaryColumn, LastUpdatedColumn, ModeColumn, ColumnCount };
    enum Role {
        ReferenceRole = Qt::UserRole + 1 ///< "Patient/123", the entry's resource as a reference
    };

    explicit BundleEntryModel(QObject *parent = nullptr);

    /// Reads a Bundle's JSON. An error (and an empty table) when it is not a Bundle.
    Result<bool> setBundle(const QByteArray &json);
    void clear();

    QString bundleType() const { return m_type; }
    /// Bundle.total, when the server gave it.
    std::optional<qint64> total() const { return m_total; }
    /// The URL of a Bundle.link by relation: "self", "first", "previous" (or "prev"),
    /// "next", "last"; empty when absent.
    QString link(const QString &relation) const;

    /// The entry's resource, pretty-printed (its response for a transaction-response).
    QByteArray entryJson(int row) const;
    /// The references ("Type/id" or absolute URLs) the entry's resource holds, in order,
    /// without repeats.
    QStringList references(int row) const;

    /// The one-line summary of a resource, as the table shows it.
    static QString summarize(const nlohmann::json &resource);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    const nlohmann::json *resourceAt(int row) const;

    nlohmann::json m_bundle;
    const nlohmann::json *m_entries = nullptr; // inside m_bundle
    QString m_type;
    std::optional<qint64> m_total;
    QHash<QString, QString> m_links;
    mutable std::vector<std::optional<QString>> m_summaries; // made on first display
};

} // namespace fhir::ui

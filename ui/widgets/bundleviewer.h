#pragma once

#include <QWidget>

class QLabel;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QTableView;

namespace fhir::ui {

class BundleEntryModel;

/// A Bundle as a table of entries with the selected entry's JSON beside it: the total, page
/// buttons driven by the Bundle's first/previous/next/last links, a download of the Bundle,
/// and the references the entry holds (activating one asks to open its target).
class BundleViewer : public QWidget
{
    Q_OBJECT

public:
    explicit BundleViewer(QWidget *parent = nullptr);

    /// Shows a Bundle; false (and an empty view) when `json` is not one.
    bool setBundle(const QByteArray &json);
    BundleEntryModel *model() const { return m_model; }
    /// Saves the Bundle as received; an empty string on success, else why not.
    QString saveTo(const QString &path) const;
    /// Selects an entry row (its JSON and references show beside the table).
    void selectEntry(int row);

Q_SIGNALS:
    /// A page button: the link's absolute URL.
    void pageRequested(const QString &url);
    /// A reference was activated: "Patient/123" or an absolute URL.
    void referenceRequested(const QString &reference);

private:
    void showEntry(int row);
    void download();

    BundleEntryModel *m_model; // owned (QObject child)
    QByteArray m_bytes;
    QLabel *m_total;
    QPushButton *m_first;
    QPushButton *m_previous;
    QPushButton *m_next;
    QPushButton *m_last;
    QPushButton *m_download;
    QTableView *m_table;
    QPlainTextEdit *m_entry;
    QListWidget *m_references;
};

} // namespace fhir::ui

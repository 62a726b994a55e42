#pragma once

#include "app/curlcommand.h"
#include "app/fhirclient.h"

#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTabWidget;
class QTableView;
class QTreeView;

namespace fhir::ui {

class BundleViewer;
class IssueModel;
class JsonTreeModel;

/// One request and what came back, as the response view shows it.
struct Exchange
{
    app::ApiRequest request;
    app::ApiResponse response;
    QString curl; ///< the cURL of the request, as it ran (secret masked)
};

/// The answer to a request: status, time and size, then tabs for the body (pretty-printed,
/// highlighted), the body as a tree, the headers, OperationOutcome issues, a Bundle, and the
/// cURL that ran. Back and forward walk the answers seen (pages and references included).
class ResponseView : public QWidget
{
    Q_OBJECT

public:
    explicit ResponseView(QWidget *parent = nullptr);

    /// Shows a new answer and makes it the latest in the back/forward history.
    void showExchange(const Exchange &exchange);
    /// "Sending…" while a request runs.
    void showPending(const app::ApiRequest &request);
    /// A plain message in place of an answer (no endpoint...).
    void showMessage(const QString &text);
    BundleViewer *bundleViewer() const { return m_bundle; }
    const Exchange *current() const;
    /// Saves the body as received; an empty string on success.
    QString saveBody(const QString &path) const;

Q_SIGNALS:
    /// A page link or a reference asks for another request (a GET).
    void followRequested(const fhir::app::ApiRequest &request);
    /// An OperationOutcome issue answering a request with a JSON body was selected
    /// (`activated`: with Enter or a double click, to go there): the element `expression`
    /// names in `requestBody`, the body as it was sent.
    void issueSelected(const QString &expression, const QByteArray &requestBody, bool activated);

private:
    void display(int position);
    void onIssue(const QModelIndex &index, bool activated);
    void save();

    QList<Exchange> m_history;
    int m_position = -1;
    QLabel *m_status;
    QLabel *m_meta;
    QLabel *m_problem;
    QPushButton *m_back;
    QPushButton *m_forward;
    QPushButton *m_copy;
    QPushButton *m_save;
    QTabWidget *m_tabs;
    QPlainTextEdit *m_body;
    JsonTreeModel *m_treeModel; // owned (QObject child)
    QTreeView *m_tree;
    QPlainTextEdit *m_headers;
    IssueModel *m_issueModel; // owned (QObject child)
    QTableView *m_issues;
    QLabel *m_issuesHint;
    BundleViewer *m_bundle;
    QPlainTextEdit *m_curl;
};

/// The body pretty-printed (two-space JSON in the order received), or as it came when it is
/// not JSON.
QString prettyBody(const QByteArray &body);

} // namespace fhir::ui

#pragma once

#include "app/apirequest.h"
#include "app/curlcommand.h"
#include "app/endpoint.h"
#include "app/examplelibrary.h"
#include "schemas/model.h"
#include "ui/models/operationsmodel.h"

#include <QHash>
#include <QWidget>

#include <functional>
#include <memory>

class QCheckBox;
class QComboBox;
class QGroupBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QScrollArea;
class QTableView;
class QTableWidget;

namespace fhir::schema {
class Validator;
}

namespace fhir::ui {

class IssueModel;
class SearchFormModel;

/// "Try it out" for one operation: its path parameters, the search form, headers, a body
/// editor with examples, formatting and validation against the R4 model, the request URL and
/// its cURL updated as the user types, and Execute (Ctrl+Enter) / Cancel. In free-form mode
/// the method and URL are edited directly; pasting a cURL command or a URL fills the form.
class RequestPanel : public QWidget
{
    Q_OBJECT

public:
    explicit RequestPanel(std::shared_ptr<const schema::Model> model, QWidget *parent = nullptr);
    ~RequestPanel() override;

    void setEndpoint(const app::Endpoint &endpoint);
    /// The type the operations apply to, and its examples for the body.
    void setResourceType(const QString &type, const QList<app::Example> &examples);
    /// Shows an operation's form (not yet editable: press "Try it out").
    void setOperation(const Operation &operation);
    /// The search parameters the server declares for the type (others are marked).
    void setDeclaredSearchParameters(const QStringList &codes);
    /// Fills the free-form editor with a request (history, pasted cURL) and enables it.
    void openRequest(const app::ApiRequest &request);
    /// The request the form describes now.
    app::ApiRequest currentRequest() const;
    /// While a request runs: Execute off, Cancel on.
    void setBusy(bool busy);
    /// Where If-Match comes from: the last ETag seen for "Type/id" (empty when none).
    void setEtagLookup(std::function<QByteArray(const QString &reference)> lookup);
    /// Checks the body against the model and marks what is wrong; true when it is valid.
    bool validateBody();
    /// Selects and marks the element a FHIRPath `expression` names (an OperationOutcome
    /// issue's, e.g. "Patient.name[0].given[1]") in the body editor, scrolled into view;
    /// `focus` moves the keyboard there. False when the editor no longer holds `sentBody`
    /// (edited or replaced since) or the element is not found.
    bool showElement(const QString &expression, const QByteArray &sentBody, bool focus);

    SearchFormModel *searchForm() const { return m_searchModel; }
    /// How the user chose to see secrets in cURL commands (masked by default).
    app::SecretMode secretMode() const;
    QString curlText() const;

Q_SIGNALS:
    void executeRequested(const fhir::app::ApiRequest &request);
    void cancelRequested();
    /// The user asked to see the schema of the type.
    void schemaRequested();

private:
    void rebuildPathFields();
    void updatePreview();
    void setEditable(bool editable);
    void setFreeForm(bool freeForm);
    void fillHeaders(const QList<QPair<QByteArray, QByteArray>> &headers);
    void fillIfMatch();
    void importPasted();
    void showIssue(const QModelIndex &index);
    void markIssues();
    void execute();

    std::shared_ptr<const schema::Model> m_model;
    std::unique_ptr<schema::Validator> m_validator;
    app::Endpoint m_endpoint;
    QString m_type;
    QList<app::Example> m_examples;
    Operation m_operation;
    bool m_hasOperation = false;
    bool m_busy = false;
    QByteArray m_autoIfMatch; // the If-Match value filled in for the user, not typed by them
    std::function<QByteArray(const QString &)> m_etagLookup;

    QLabel *m_title;
    QLabel *m_endpointNote;
    QPushButton *m_tryItOut;
    QCheckBox *m_freeForm;
    QComboBox *m_method;
    QLineEdit *m_url;
    QLineEdit *m_paste;
    QLabel *m_pasteError;
    QGroupBox *m_pathGroup;
    QFormLayout *m_pathLayout;
    QHash<QString, QLineEdit *> m_pathFields; // owned by the widget tree
    QGroupBox *m_searchGroup;
    SearchFormModel *m_searchModel; // owned (QObject child)
    QTableView *m_searchView;
    QGroupBox *m_headerGroup;
    QTableWidget *m_headers;
    QGroupBox *m_bodyGroup;
    QComboBox *m_examplesBox;
    QPushButton *m_format;
    QPushButton *m_validate;
    QPushButton *m_schema;
    QPlainTextEdit *m_body;
    QLabel *m_validation;
    IssueModel *m_issueModel; // owned (QObject child)
    QTableView *m_issues;
    QComboBox *m_secretMode;
    QPushButton *m_copyCurl;
    QPlainTextEdit *m_curl;
    QPushButton *m_execute;
    QPushButton *m_cancel;
    QScrollArea *m_scroll;
};

} // namespace fhir::ui

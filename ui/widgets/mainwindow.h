#pragma once

#include "app/apirequest.h"
#include "app/endpoint.h"
#include "app/examplelibrary.h"
#include "app/fhirclient.h"
#include "schemas/model.h"

#include <QHash>

#include <QMainWindow>

#include <memory>

class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTabWidget;
class QTextBrowser;
class QToolBar;
class QTreeView;

namespace fhir::ui {

class ElementTreeModel;
class ExamplePanel;
class OperationsPanel;
class RequestPanel;
class ResourceTypeModel;
class ResponseView;

/// The portal's main window: resource types on the left; on the right the chosen type's API
/// (operations, Try It Out, the response), its schema (element tree and the selected
/// element's details) and its examples.
///
/// Wiring: the deployment selector goes into deploymentToolBar() and calls setEndpoint();
/// the request history listens to requestFinished() and reopens an entry with openRequest(),
/// as a pasted cURL command does.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    /// `model` may be null when it could not be loaded; `loadError` then says why.
    explicit MainWindow(std::shared_ptr<const schema::Model> model, const QString &loadError = {},
                        QWidget *parent = nullptr);
    ~MainWindow() override;

    /// Shows a resource type's schema, as if the user had picked it.
    void showType(const QString &typeName);

    /// Where the lead puts the deployment selector (empty until then, apart from a label
    /// naming the endpoint in use).
    QToolBar *deploymentToolBar() const { return m_deploymentToolBar; }
    const app::Endpoint &endpoint() const { return m_endpoint; }

public Q_SLOTS:
    /// Sends requests to `endpoint` from now on, and reads its CapabilityStatement to list
    /// the operations its server offers; for a remote server the resource picker then lists
    /// only the types it declares. An invalid endpoint means "none selected".
    void setEndpoint(const fhir::app::Endpoint &endpoint);
    /// Opens a request in Try It Out (free-form), ready to execute: history, pasted cURL.
    void openRequest(const fhir::app::ApiRequest &request);
    /// Sends a request to the endpoint and shows the answer.
    void execute(const fhir::app::ApiRequest &request);

Q_SIGNALS:
    /// A request got an answer (status 0 when none came: unreachable, cancelled...).
    void requestFinished(const fhir::app::ApiRequest &request, int status, qint64 elapsedMs);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void onFinished(const app::ApiRequest &request, const app::ApiResponse &response);
    void onCapabilities(const app::ApiRequest &request, const app::ApiResponse &response);
    void rememberEtag(const app::ApiRequest &request, const app::ApiResponse &response);
    /// The resource picker lists the `declared` types the model knows (all of them when none),
    /// keeping the chosen type when it is still there.
    void listTypes(const QStringList &declared);
    void onTypeSelected();
    void onElementSelected();
    void expandFetched(const QModelIndex &parent);
    QString detailsHtml(const schema::ElementNode &node) const;

    std::shared_ptr<const schema::Model> m_model;
    app::ExampleLibrary m_examples;
    ResourceTypeModel *m_typeModel; // owned by this (QObject parent)
    QSortFilterProxyModel *m_typeFilter; // owned by this
    ElementTreeModel *m_elementModel; // owned by this
    QSortFilterProxyModel *m_elementFilter; // owned by this
    QLineEdit *m_elementFilterEdit; // owned by the widget tree
    QLineEdit *m_filterEdit; // owned by the widget tree
    QTreeView *m_typeView;
    QLabel *m_typeTitle;
    QTreeView *m_elementView;
    QTextBrowser *m_details;
    QTabWidget *m_tabs;
    ExamplePanel *m_examplePanel;
    QWidget *m_schemaPage;
    app::Endpoint m_endpoint;
    app::FhirClient *m_client; // owned (QObject child): the user's requests
    app::FhirClient *m_capabilityClient; // owned: reads the CapabilityStatement
    OperationsPanel *m_operations; // owned by the widget tree
    RequestPanel *m_request;
    ResponseView *m_response;
    QToolBar *m_deploymentToolBar;
    QLabel *m_endpointLabel;
    QHash<QString, QByteArray> m_etags; // "Type/id" -> the last ETag seen
    QStringList m_typesListed; // a remote server's declared types in the picker; empty: all
};

} // namespace fhir::ui

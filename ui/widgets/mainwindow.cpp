#include "mainwindow.h"

#include "app/schemadescription.h"
#include "ui/models/elementtreemodel.h"
#include "ui/models/operationsmodel.h"
#include "ui/models/resourcetypemodel.h"
#include "ui/models/searchformmodel.h"
#include "ui/widgets/examplepanel.h"
#include "ui/widgets/operationspanel.h"
#include "ui/widgets/requestpanel.h"
#include "ui/widgets/responseview.h"

#include <QCloseEvent>
#include <QSettings>
#include <QToolBar>

#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTextBrowser>
#include <QTreeView>
#include <QVBoxLayout>

namespace fhir::ui {

namespace {

QString escaped(const QString &text)
{
    return text.toHtmlEscaped().replace(QLatin1Char('\n'), QLatin1String("<br>"));
}

} // namespace

MainWindow::MainWindow(std::shared_ptr<const schema::Model> model, const QString &loadError,
                       QWidget *parent)
    : QMainWindow(parent)
    , m_model(model)
    , m_examples(std::move(model))
    , m_typeModel(new ResourceTypeModel(this))
    , m_typeFilter(new QSortFilterProxyModel(this))
    , m_elementModel(new ElementTreeModel(this))
    , m_elementFilter(new QSortFilterProxyModel(this))
    , m_elementFilterEdit(new QLineEdit)
    , m_filterEdit(new QLineEdit)
    , m_typeView(new QTreeView)
    , m_typeTitle(new QLabel)
    , m_elementView(new QTreeView)
    , m_details(new QTextBrowser)
    , m_tabs(new QTabWidget)
    , m_examplePanel(new ExamplePanel)
    , m_schemaPage(nullptr)
    , m_client(new app::FhirClient(this))
    , m_capabilityClient(new app::FhirClient(this))
    , m_operations(new OperationsPanel)
    , m_request(new RequestPanel(m_model))
    , m_response(new ResponseView)
    , m_deploymentToolBar(new QToolBar(tr("Deployment")))
    , m_endpointLabel(new QLabel)
{
    setWindowTitle(tr("FHIR Portal"));
    setObjectName(QStringLiteral("mainWindow"));

    m_filterEdit->setObjectName(QStringLiteral("resourceFilter"));
    m_filterEdit->setPlaceholderText(tr("Filter resource types"));
    m_filterEdit->setClearButtonEnabled(true);

    m_typeFilter->setSourceModel(m_typeModel);
    m_typeFilter->setRecursiveFilteringEnabled(true);
    m_typeFilter->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_typeFilter->setFilterKeyColumn(-1);
    m_typeView->setObjectName(QStringLiteral("resourceTypeView"));
    m_typeView->setModel(m_typeFilter);
    m_typeView->setUniformRowHeights(true);
    m_typeView->header()->setSectionResizeMode(ResourceTypeModel::NameColumn,
                                               QHeaderView::ResizeToContents);
    m_typeView->setColumnHidden(ResourceTypeModel::DescriptionColumn, true);

    auto *left = new QWidget;
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(m_filterEdit);
    leftLayout->addWidget(m_typeView);

    m_typeTitle->setObjectName(QStringLiteral("typeTitle"));
    m_typeTitle->setWordWrap(true);
    m_typeTitle->setTextFormat(Qt::RichText);
    m_elementView->setObjectName(QStringLiteral("elementTreeView"));
    // The filter sees what has been fetched: the type's own elements and whatever the user
    // has expanded, which is what they can see.
    m_elementFilter->setSourceModel(m_elementModel);
    m_elementFilter->setRecursiveFilteringEnabled(true);
    m_elementFilter->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_elementFilter->setFilterKeyColumn(-1);
    m_elementFilterEdit->setObjectName(QStringLiteral("elementFilter"));
    m_elementFilterEdit->setPlaceholderText(tr("Filter elements (name, type, description)"));
    m_elementFilterEdit->setClearButtonEnabled(true);
    m_elementView->setModel(m_elementFilter);
    m_elementView->setUniformRowHeights(true);
    m_elementView->setAlternatingRowColors(true);
    m_details->setObjectName(QStringLiteral("elementDetails"));
    m_details->setOpenExternalLinks(false);

    auto *schemaSplit = new QSplitter(Qt::Vertical);
    auto *elementsPane = new QWidget;
    auto *elementsLayout = new QVBoxLayout(elementsPane);
    elementsLayout->setContentsMargins(0, 0, 0, 0);
    elementsLayout->addWidget(m_elementFilterEdit);
    elementsLayout->addWidget(m_elementView, 1);
    schemaSplit->addWidget(elementsPane);
    schemaSplit->addWidget(m_details);
    schemaSplit->setStretchFactor(0, 3);
    schemaSplit->setStretchFactor(1, 1);

    // The API page: operations, then Try It Out above the response.
    m_operations->setObjectName(QStringLiteral("operationsPanel"));
    m_operations->setMinimumWidth(300);
    m_request->setObjectName(QStringLiteral("requestPanel"));
    m_response->setObjectName(QStringLiteral("responseView"));
    auto *exchange = new QSplitter(Qt::Vertical);
    exchange->setObjectName(QStringLiteral("exchangeSplitter"));
    exchange->addWidget(m_request);
    exchange->addWidget(m_response);
    exchange->setStretchFactor(0, 1);
    exchange->setStretchFactor(1, 1);
    exchange->setSizes({420, 420});
    auto *apiPage = new QSplitter;
    apiPage->setObjectName(QStringLiteral("apiSplitter"));
    apiPage->addWidget(m_operations);
    apiPage->addWidget(exchange);
    apiPage->setStretchFactor(1, 1);
    apiPage->setSizes({300, 700});

    m_schemaPage = schemaSplit;
    m_tabs->setObjectName(QStringLiteral("typeTabs"));
    m_tabs->addTab(apiPage, tr("&API"));
    m_tabs->addTab(schemaSplit, tr("&Schema"));
    m_tabs->addTab(m_examplePanel, tr("E&xamples"));

    m_deploymentToolBar->setObjectName(QStringLiteral("deploymentToolBar"));
    m_endpointLabel->setObjectName(QStringLiteral("endpointLabel"));
    m_deploymentToolBar->addWidget(m_endpointLabel);
    addToolBar(Qt::TopToolBarArea, m_deploymentToolBar);

    m_request->setEtagLookup([this](const QString &reference) { return m_etags.value(reference); });
    connect(m_operations, &OperationsPanel::operationSelected, m_request,
            &RequestPanel::setOperation);
    connect(m_request, &RequestPanel::executeRequested, this, &MainWindow::execute);
    connect(m_request, &RequestPanel::cancelRequested, m_client, &app::FhirClient::cancel);
    connect(m_request, &RequestPanel::schemaRequested, this,
            [this] { m_tabs->setCurrentWidget(m_schemaPage); });
    connect(m_response, &ResponseView::followRequested, this, &MainWindow::execute);
    connect(m_response, &ResponseView::issueSelected, this,
            [this](const QString &expression, const QByteArray &body, bool activated) {
                if (!m_request->showElement(expression, body, activated))
                    statusBar()->showMessage(
                        tr("%1 cannot be shown: the request body has changed since it was sent, "
                           "or the element is not in it.")
                            .arg(expression),
                        8000);
            });
    connect(m_client, &app::FhirClient::finished, this, &MainWindow::onFinished);
    connect(m_capabilityClient, &app::FhirClient::finished, this, &MainWindow::onCapabilities);

    auto *right = new QWidget;
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->addWidget(m_typeTitle);
    rightLayout->addWidget(m_tabs, 1);

    // The picker keeps room for its type names when docks open beside the window.
    left->setMinimumWidth(180);
    auto *split = new QSplitter;
    split->addWidget(left);
    split->addWidget(right);
    split->setCollapsible(0, false);
    split->setStretchFactor(1, 1);
    split->setSizes({260, 900});
    setCentralWidget(split);
    resize(1280, 820);
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("mainWindow/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("mainWindow/state")).toByteArray());

    connect(m_filterEdit, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_typeFilter->setFilterFixedString(text);
        m_typeView->expandAll();
    });
    connect(m_typeView->selectionModel(), &QItemSelectionModel::currentChanged, this,
            &MainWindow::onTypeSelected);
    connect(m_elementFilterEdit, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_elementFilter->setFilterFixedString(text);
        if (!text.isEmpty())
            expandFetched(QModelIndex());
    });
    connect(m_elementView->selectionModel(), &QItemSelectionModel::currentChanged, this,
            &MainWindow::onElementSelected);

    if (m_model) {
        m_typeModel->setModel(m_model);
        m_typeView->expandAll();
        statusBar()->showMessage(tr("FHIR R%1 · %2 resource types · definitions from %3")
                                     .arg(m_model->fhirVersion())
                                     .arg(m_model->resourceTypes().size())
                                     .arg(m_model->source()));
        showType(QStringLiteral("Patient"));
        setEndpoint({});
    } else {
        m_typeTitle->setText(
            tr("<b>The FHIR model could not be loaded.</b><br>%1").arg(loadError.toHtmlEscaped()));
        statusBar()->showMessage(loadError);
    }
}

MainWindow::~MainWindow() = default;

void MainWindow::showType(const QString &typeName)
{
    const QModelIndex source = m_typeModel->indexOfType(typeName);
    const QModelIndex proxy = m_typeFilter->mapFromSource(source);
    if (proxy.isValid())
        m_typeView->setCurrentIndex(proxy);
}

void MainWindow::listTypes(const QStringList &declared)
{
    if (!m_model)
        return;
    // Types of another FHIR version mean nothing here; none known: list them all.
    const QStringList known = m_model->resourceTypes();
    QStringList supported;
    for (const QString &type : declared) {
        if (known.contains(type))
            supported.append(type);
    }
    if (supported == m_typesListed)
        return; // a list rebuilt would reset the form the user is filling in
    const QString chosen
        = m_typeView->currentIndex().data(ResourceTypeModel::TypeNameRole).toString();
    m_typesListed = supported;
    m_typeModel->setModel(m_model, supported);
    m_typeView->expandAll();
    if (m_typeModel->indexOfType(chosen).isValid()) {
        showType(chosen);
        return;
    }
    // The type shown is not offered here: the first one that is.
    const QModelIndex area = m_typeModel->index(0, 0);
    const QModelIndex group = m_typeModel->index(0, 0, area);
    const QModelIndex first = m_typeModel->index(0, 0, group);
    if (first.isValid())
        showType(first.data(ResourceTypeModel::TypeNameRole).toString());
}

void MainWindow::onTypeSelected()
{
    const QString typeName
        = m_typeView->currentIndex().data(ResourceTypeModel::TypeNameRole).toString();
    if (typeName.isEmpty() || !m_model)
        return;
    if (Result<bool> shown = m_elementModel->setType(m_model, typeName); !shown) {
        m_typeTitle->setText(shown.error().toHtmlEscaped());
        return;
    }
    const auto info = m_model->type(typeName);
    m_typeTitle->setText(QStringLiteral("<h2>%1</h2><p>%2</p>")
                             .arg(typeName.toHtmlEscaped(),
                                  info ? (*info)->shortDescription.toHtmlEscaped() : QString()));
    for (int column = 0; column < ElementTreeModel::DescriptionColumn; ++column)
        m_elementView->resizeColumnToContents(column);
    const QList<app::Example> examples = m_examples.examplesFor(typeName);
    m_examplePanel->setExamples(examples);
    m_operations->setResourceType(typeName);
    m_request->setResourceType(typeName, examples);
    if (m_operations->model()->hasCapabilities())
        m_request->setDeclaredSearchParameters(
            m_operations->model()->declaredSearchParameters(typeName));
    // Until an element is picked, the details pane describes the type itself.
    if (const auto root = m_model->element(typeName); root)
        m_details->setHtml(detailsHtml(*root));
}

void MainWindow::expandFetched(const QModelIndex &parent)
{
    // Only what is fetched already: expanding the whole element tree would never end
    // (an Extension has extensions).
    for (int row = 0; row < m_elementFilter->rowCount(parent); ++row) {
        const QModelIndex index = m_elementFilter->index(row, 0, parent);
        if (m_elementFilter->rowCount(index) > 0) {
            m_elementView->expand(index);
            expandFetched(index);
        }
    }
}

void MainWindow::onElementSelected()
{
    const schema::ElementNode *node
        = m_elementModel->element(m_elementFilter->mapToSource(m_elementView->currentIndex()));
    m_details->setHtml(node ? detailsHtml(*node) : QString());
}

QString MainWindow::detailsHtml(const schema::ElementNode &node) const
{
    const schema::ElementDefinition &def = *node.definition;
    QString html
        = QStringLiteral("<h3>%1</h3><p><b>%2</b> &nbsp; %3 &nbsp; %4</p>")
              .arg(
                  node.path.toHtmlEscaped(), def.cardinality(),
                  (node.choiceType.isEmpty() ? def.typeSummary() : node.choiceType).toHtmlEscaped(),
                  app::elementFlags(def).toHtmlEscaped());
    auto section = [&html](const QString &title, const QString &text) {
        if (!text.isEmpty())
            html += QStringLiteral("<p><b>%1</b><br>%2</p>").arg(title, escaped(text));
    };
    section(tr("Definition"), def.definition);
    section(tr("Comments"), def.comment);
    section(tr("Requirements"), def.requirements);
    section(tr("Is modifier because"), def.modifierReason);
    if (def.binding) {
        QString text = schema::Binding::strengthName(def.binding->strength) + QLatin1Char(' ')
            + def.binding->valueSet;
        if (const auto vs = m_model->valueSet(def.binding->valueSet); vs) {
            QStringList codes;
            for (const schema::ValueSetCode &c : (*vs)->codes.mid(0, 30))
                codes.append(c.code
                             + (c.display.isEmpty()
                                    ? QString()
                                    : QLatin1String(" (") + c.display + QLatin1Char(')')));
            if (!codes.isEmpty())
                text += QLatin1Char('\n') + codes.join(QLatin1String(", "));
            if (!(*vs)->complete)
                text += QLatin1Char('\n') + (*vs)->note;
        }
        section(tr("Binding"), text);
    }
    QStringList constraints;
    for (const schema::Constraint &c : def.constraints) {
        if (c.ownDefinition)
            constraints.append(c.key + QLatin1String(" (") + c.severity + QLatin1String("): ")
                               + c.human + QLatin1String("\n    ") + c.expression);
    }
    section(tr("Constraints"), constraints.join(QLatin1Char('\n')));
    QStringList params;
    for (const schema::SearchParameter *p : m_model->searchParametersFor(node.path))
        params.append(p->code + QLatin1String(" (") + schema::searchParamTypeName(p->type)
                      + QLatin1Char(')'));
    section(tr("Search parameters"), params.join(QLatin1String(", ")));
    return html;
}

void MainWindow::setEndpoint(const app::Endpoint &endpoint)
{
    // The same remote server again (a new key, an edited header) keeps its list meanwhile.
    const bool sameServer = endpoint.isValid() && !endpoint.isEmbedded
        && endpoint.deploymentId == m_endpoint.deploymentId
        && endpoint.baseUrl == m_endpoint.baseUrl;
    m_endpoint = endpoint;
    m_client->setEndpoint(endpoint);
    m_capabilityClient->cancel();
    m_capabilityClient->setEndpoint(endpoint);
    m_request->setEndpoint(endpoint);
    m_operations->model()->setCapabilities({});
    m_request->setDeclaredSearchParameters({});
    if (!sameServer)
        listTypes({}); // every type again until this server says what it offers
    if (!endpoint.isValid()) {
        m_endpointLabel->setText(tr("No endpoint selected"));
        m_response->showMessage(tr("No endpoint is selected: requests have nowhere to go yet."));
        return;
    }
    m_endpointLabel->setText(tr("Endpoint: %1").arg(endpoint.baseUrl.toString()));
    m_response->showMessage(tr("Run a request to see its answer here."));
    app::ApiRequest metadata;
    metadata.path = QStringLiteral("metadata");
    m_capabilityClient->send(metadata);
}

void MainWindow::onCapabilities(const app::ApiRequest &, const app::ApiResponse &response)
{
    if (response.failure == app::ApiResponse::Failure::Cancelled)
        return;
    const auto statement
        = nlohmann::json::parse(response.body.constData(),
                                response.body.constData() + response.body.size(), nullptr, false);
    if (!response.ok() || statement.is_discarded() || !statement.is_object()
        || statement.value("resourceType", std::string()) != "CapabilityStatement") {
        statusBar()->showMessage(
            tr("Could not read the server's CapabilityStatement; listing what R4 defines. %1")
                .arg(response.problem));
        return;
    }
    m_operations->model()->setCapabilities(statement);
    // An embedded server offers every type; a remote one what its statement declares.
    if (!m_endpoint.isEmbedded)
        listTypes(m_operations->model()->declaredTypes());
    m_request->setDeclaredSearchParameters(
        m_operations->model()->declaredSearchParameters(m_operations->model()->resourceType()));
    statusBar()->showMessage(tr("Connected to %1: %n resource type(s) offered", nullptr,
                                int(m_operations->model()->declaredTypes().size()))
                                 .arg(m_endpoint.baseUrl.toString()));
}

void MainWindow::openRequest(const app::ApiRequest &request)
{
    m_tabs->setCurrentIndex(0);
    m_request->openRequest(request);
}

void MainWindow::execute(const app::ApiRequest &request)
{
    m_request->setBusy(true);
    m_response->showPending(request);
    m_client->send(request);
}

void MainWindow::onFinished(const app::ApiRequest &request, const app::ApiResponse &response)
{
    m_request->setBusy(false);
    rememberEtag(request, response);
    m_response->showExchange(
        {request, response, app::toCurl(request, m_endpoint, m_request->secretMode())});
    Q_EMIT requestFinished(request, response.status, response.elapsedMs);
}

void MainWindow::rememberEtag(const app::ApiRequest &request, const app::ApiResponse &response)
{
    const QByteArray etag = response.header("ETag");
    if (etag.isEmpty())
        return;
    // The resource: from Location (create, update), else from the body (read).
    QString key;
    const QString location = QString::fromUtf8(response.header("Location"));
    const QString base = m_endpoint.baseUrl.toString() + u'/';
    if (location.startsWith(base)) {
        const QStringList parts = location.mid(base.size()).split(u'/');
        if (parts.size() >= 2)
            key = parts.at(0) + u'/' + parts.at(1);
    }
    if (key.isEmpty()) {
        const auto body = nlohmann::json::parse(response.body.constData(),
                                                response.body.constData() + response.body.size(),
                                                nullptr, false);
        if (body.is_object() && body.contains("id") && body["id"].is_string()
            && body.contains("resourceType") && body["resourceType"].is_string())
            key = QString::fromStdString(body["resourceType"].get<std::string>() + '/'
                                         + body["id"].get<std::string>());
    }
    if (key.isEmpty() && request.method != "POST")
        key = request.path.section(u'/', 0, 1);
    if (!key.isEmpty())
        m_etags.insert(key, etag);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    QSettings settings;
    settings.setValue(QStringLiteral("mainWindow/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("mainWindow/state"), saveState());
    QMainWindow::closeEvent(event);
}

} // namespace fhir::ui

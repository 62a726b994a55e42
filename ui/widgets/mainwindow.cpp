#include "mainwindow.h"

#include "app/schemadescription.h"
#include "ui/models/elementtreemodel.h"
#include "ui/models/resourcetypemodel.h"
#include "ui/widgets/examplepanel.h"

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

    m_tabs->setObjectName(QStringLiteral("typeTabs"));
    m_tabs->addTab(schemaSplit, tr("Schema"));
    m_tabs->addTab(m_examplePanel, tr("Examples"));

    auto *right = new QWidget;
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->addWidget(m_typeTitle);
    rightLayout->addWidget(m_tabs, 1);

    auto *split = new QSplitter;
    split->addWidget(left);
    split->addWidget(right);
    split->setStretchFactor(1, 1);
    split->setSizes({260, 900});
    setCentralWidget(split);
    resize(1200, 760);

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
    m_examplePanel->setExamples(m_examples.examplesFor(typeName));
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

} // namespace fhir::ui

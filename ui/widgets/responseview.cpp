#include "responseview.h"

#include "ui/models/issuemodel.h"
#include "ui/models/jsontreemodel.h"
#include "ui/widgets/bundleviewer.h"
#include "ui/widgets/filedialogs.h"
#include "ui/widgets/jsonhighlighter.h"

#include <QClipboard>
#include <QFontDatabase>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QTableView>
#include <QTreeView>
#include <QVBoxLayout>

#include <nlohmann/json.hpp>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace fhir::ui {

namespace {

bool looksLikeJson(const QByteArray &body)
{
    const QByteArray trimmed = body.trimmed();
    return trimmed.startsWith('{') || trimmed.startsWith('[');
}

QPlainTextEdit *codeView(const QString &name, const QString &accessible)
{
    auto *view = new QPlainTextEdit;
    view->setObjectName(name);
    view->setAccessibleName(accessible);
    view->setReadOnly(true);
    view->setLineWrapMode(QPlainTextEdit::NoWrap);
    view->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    return view;
}

} // namespace

QString prettyBody(const QByteArray &body)
{
    const auto json = nlohmann::ordered_json::parse(body.constData(),
                                                    body.constData() + body.size(), nullptr, false);
    if (json.is_discarded())
        return QString::fromUtf8(body);
    return QString::fromStdString(json.dump(2));
}

ResponseView::ResponseView(QWidget *parent)
    : QWidget(parent)
    , m_status(new QLabel)
    , m_meta(new QLabel)
    , m_problem(new QLabel)
    , m_back(new QPushButton(tr("◀")))
    , m_forward(new QPushButton(tr("▶")))
    , m_copy(new QPushButton(tr("Copy")))
    , m_save(new QPushButton(tr("Save…")))
    , m_tabs(new QTabWidget)
    , m_body(codeView(u"responseBody"_s, tr("Response body")))
    , m_treeModel(new JsonTreeModel(this))
    , m_tree(new QTreeView)
    , m_headers(codeView(u"responseHeaders"_s, tr("Response headers")))
    , m_issueModel(new IssueModel(this))
    , m_issues(new QTableView)
    , m_issuesHint(new QLabel)
    , m_bundle(new BundleViewer)
    , m_curl(codeView(u"responseCurl"_s, tr("cURL of the request")))
{
    m_status->setObjectName(u"responseStatus"_s);
    m_status->setTextFormat(Qt::RichText);
    m_meta->setObjectName(u"responseMeta"_s);
    m_problem->setObjectName(u"responseProblem"_s);
    m_problem->setWordWrap(true);
    m_problem->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_back->setObjectName(u"responseBack"_s);
    m_back->setToolTip(tr("The previous answer (Alt+Left)"));
    m_back->setAccessibleName(tr("Back"));
    m_back->setShortcut(QKeySequence::Back);
    m_forward->setObjectName(u"responseForward"_s);
    m_forward->setToolTip(tr("The next answer (Alt+Right)"));
    m_forward->setAccessibleName(tr("Forward"));
    m_forward->setShortcut(QKeySequence::Forward);
    m_copy->setObjectName(u"responseCopy"_s);
    m_copy->setToolTip(tr("Copy the body"));
    m_save->setObjectName(u"responseSave"_s);
    m_save->setToolTip(tr("Save the body to a file"));
    for (QPushButton *b : {m_back, m_forward})
        b->setMaximumWidth(36);

    auto *head = new QHBoxLayout;
    head->addWidget(m_back);
    head->addWidget(m_forward);
    head->addWidget(m_status);
    head->addWidget(m_meta, 1);
    head->addWidget(m_copy);
    head->addWidget(m_save);

    new JsonHighlighter(m_body->document());
    m_tree->setObjectName(u"responseTree"_s);
    m_tree->setAccessibleName(tr("Response body as a tree"));
    m_tree->setModel(m_treeModel);
    m_tree->setUniformRowHeights(true);
    m_tree->header()->resizeSection(JsonTreeModel::KeyColumn, 220);
    m_tree->header()->resizeSection(JsonTreeModel::ValueColumn, 320);
    m_issues->setObjectName(u"responseIssues"_s);
    m_issues->setAccessibleName(tr("OperationOutcome issues"));
    m_issues->setModel(m_issueModel);
    m_issues->horizontalHeader()->setStretchLastSection(true);
    m_issues->setWordWrap(true);
    m_issues->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_issues->setSelectionMode(QAbstractItemView::SingleSelection);
    m_issues->setColumnWidth(IssueModel::TextColumn, 360);
    m_tabs->setObjectName(u"responseTabs"_s);
    m_tabs->addTab(m_body, tr("Body"));
    m_tabs->addTab(m_tree, tr("Tree"));
    m_tabs->addTab(m_headers, tr("Headers"));
    m_issuesHint->setObjectName(u"responseIssuesHint"_s);
    m_issuesHint->setWordWrap(true);
    m_issuesHint->setText(tr("Select an issue to see its element in the request body."));
    auto *issuesPage = new QWidget;
    auto *issuesLayout = new QVBoxLayout(issuesPage);
    issuesLayout->setContentsMargins(0, 0, 0, 0);
    issuesLayout->addWidget(m_issuesHint);
    issuesLayout->addWidget(m_issues, 1);
    m_tabs->addTab(issuesPage, tr("Issues"));
    m_tabs->addTab(m_bundle, tr("Bundle"));
    m_tabs->addTab(m_curl, tr("cURL"));

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(head);
    layout->addWidget(m_problem);
    layout->addWidget(m_tabs, 1);

    connect(m_back, &QPushButton::clicked, this, [this] { display(m_position - 1); });
    connect(m_forward, &QPushButton::clicked, this, [this] { display(m_position + 1); });
    connect(m_copy, &QPushButton::clicked, this, [this] {
        if (const Exchange *e = current())
            QGuiApplication::clipboard()->setText(prettyBody(e->response.body));
    });
    connect(m_save, &QPushButton::clicked, this, &ResponseView::save);
    connect(m_issues->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex &index) { onIssue(index, false); });
    connect(m_issues, &QTableView::clicked, this,
            [this](const QModelIndex &index) { onIssue(index, false); });
    connect(m_issues, &QTableView::activated, this,
            [this](const QModelIndex &index) { onIssue(index, true); });
    connect(m_bundle, &BundleViewer::pageRequested, this, [this](const QString &url) {
        app::ApiRequest request;
        request.path = url; // absolute: the server's own link
        Q_EMIT followRequested(request);
    });
    connect(m_bundle, &BundleViewer::referenceRequested, this, [this](const QString &reference) {
        app::ApiRequest request;
        request.path = reference;
        Q_EMIT followRequested(request);
    });
    showMessage(tr("Run a request to see its answer here."));
}

const Exchange *ResponseView::current() const
{
    return m_position >= 0 && m_position < m_history.size() ? &m_history.at(m_position) : nullptr;
}

void ResponseView::showExchange(const Exchange &exchange)
{
    // Like a browser: a new answer drops the forward history.
    while (m_history.size() > m_position + 1)
        m_history.removeLast();
    m_history.append(exchange);
    constexpr qsizetype kKept = 50;
    if (m_history.size() > kKept)
        m_history.removeFirst();
    display(int(m_history.size()) - 1);
}

void ResponseView::showPending(const app::ApiRequest &request)
{
    m_status->setText(tr("<b>Sending…</b>"));
    m_meta->setText(QString::fromLatin1(request.method) + u' ' + request.path);
    m_problem->hide();
}

void ResponseView::showMessage(const QString &text)
{
    m_status->setText(QString());
    m_meta->setText(QString());
    m_problem->setText(text);
    m_problem->show();
    m_back->setEnabled(m_position > 0);
    m_forward->setEnabled(false);
    m_copy->setEnabled(false);
    m_save->setEnabled(false);
}

void ResponseView::display(int position)
{
    if (position < 0 || position >= m_history.size())
        return;
    m_position = position;
    const Exchange &e = m_history.at(position);
    const app::ApiResponse &r = e.response;
    m_back->setEnabled(m_position > 0);
    m_forward->setEnabled(m_position + 1 < m_history.size());
    m_copy->setEnabled(!r.body.isEmpty());
    m_save->setEnabled(!r.body.isEmpty());

    if (r.failure != app::ApiResponse::Failure::None) {
        m_status->setText(tr("<b>No answer</b>"));
    } else {
        // Green, orange, red badges carry their own background: readable in any theme.
        const QString colour = r.status < 300 ? u"#2e7d32"_s
            : r.status < 400                  ? u"#9a6700"_s
                                              : u"#c62828"_s;
        m_status->setText(u"<span style=\"background:%1; color:white; font-weight:bold\">"
                          "&nbsp;%2 %3&nbsp;</span>"_s.arg(colour)
                              .arg(r.status)
                              .arg(QString::fromUtf8(r.reason).toHtmlEscaped()));
    }
    m_meta->setText(
        tr("%1 ms · %2 · %3 %4")
            .arg(r.elapsedMs)
            .arg(QLocale().formattedDataSize(r.body.size()))
            .arg(QString::fromLatin1(e.request.method), r.url.toString(QUrl::FullyEncoded)));
    m_problem->setText(r.problem);
    m_problem->setVisible(!r.problem.isEmpty());

    m_body->setPlainText(prettyBody(r.body));
    if (!m_treeModel->setJson(r.body))
        m_treeModel->clear();
    QString headers;
    for (const auto &[name, value] : r.headers)
        headers += QString::fromUtf8(name) + u": "_s + QString::fromUtf8(value) + u'\n';
    m_headers->setPlainText(headers);
    const auto json = nlohmann::json::parse(r.body.constData(), r.body.constData() + r.body.size(),
                                            nullptr, false);
    const bool outcome = !json.is_discarded() && m_issueModel->setOutcome(json);
    if (!outcome)
        m_issueModel->clear();
    const bool bundle = m_bundle->setBundle(r.body);
    m_curl->setPlainText(e.curl);
    m_tabs->setTabText(3, outcome ? tr("Issues (%1)").arg(m_issueModel->rowCount()) : tr("Issues"));
    // Only an answer to a JSON body of ours can point into it.
    const bool pointsIntoBody = outcome && looksLikeJson(e.request.body)
        && std::any_of(m_issueModel->issues().cbegin(), m_issueModel->issues().cend(),
                       [](const IssueModel::Issue &issue) { return !issue.expressions.isEmpty(); });
    m_issuesHint->setVisible(pointsIntoBody);
    m_tabs->setTabEnabled(3, outcome);
    m_tabs->setTabEnabled(4, bundle);
    if (bundle)
        m_tabs->setCurrentIndex(4);
    else if (outcome)
        m_tabs->setCurrentIndex(3);
    else
        m_tabs->setCurrentIndex(0);
}

void ResponseView::onIssue(const QModelIndex &index, bool activated)
{
    const Exchange *e = current();
    if (!index.isValid() || !e || !looksLikeJson(e->request.body))
        return;
    const QString expression = index.data(IssueModel::ExpressionRole).toString();
    if (!expression.isEmpty())
        Q_EMIT issueSelected(expression, e->request.body, activated);
}

QString ResponseView::saveBody(const QString &path) const
{
    const Exchange *e = current();
    return e ? writeFile(path, e->response.body) : tr("There is no answer to save");
}

void ResponseView::save()
{
    const Exchange *e = current();
    if (e == nullptr)
        return;
    const QString path = askSaveFileName(this, tr("Save the response body"), u"response.json"_s,
                                         tr("FHIR JSON (*.json);;All files (*)"));
    if (path.isEmpty())
        return;
    if (const QString error = saveBody(path); !error.isEmpty())
        QMessageBox::warning(this, tr("Save the response body"),
                             tr("Could not save %1: %2").arg(path, error));
}

} // namespace fhir::ui

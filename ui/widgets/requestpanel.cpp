#include "requestpanel.h"

#include "app/jsonlocation.h"
#include "app/wirerequest.h"
#include "schemas/validator.h"
#include "ui/models/issuemodel.h"
#include "ui/models/searchformmodel.h"
#include "ui/widgets/jsonhighlighter.h"

#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QShortcut>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QTableWidget>
#include <QVBoxLayout>

#include <nlohmann/json.hpp>

using namespace Qt::StringLiterals;

namespace fhir::ui {

namespace {

/// Combo boxes for modifier, prefix and choice values; a line edit with the value's shape as
/// placeholder otherwise.
class SearchFormDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    QWidget *createEditor(QWidget *parent, const QStyleOptionViewItem &option,
                          const QModelIndex &index) const override
    {
        const QStringList choices = index.data(SearchFormModel::ChoicesRole).toStringList();
        const auto kind
            = SearchFormModel::EditorKind(index.data(SearchFormModel::EditorKindRole).toInt());
        if (!choices.isEmpty()
            && (index.column() != SearchFormModel::ValueColumn
                || kind == SearchFormModel::EditorKind::Choice)) {
            auto *box = new QComboBox(parent);
            box->addItems(choices);
            return box;
        }
        auto *edit = new QLineEdit(parent);
        edit->setPlaceholderText(index.data(SearchFormModel::PlaceholderRole).toString());
        Q_UNUSED(option)
        return edit;
    }

    void setEditorData(QWidget *editor, const QModelIndex &index) const override
    {
        const QString value = index.data(Qt::EditRole).toString();
        if (auto *box = qobject_cast<QComboBox *>(editor))
            box->setCurrentIndex(qMax(0, box->findText(value)));
        else if (auto *edit = qobject_cast<QLineEdit *>(editor))
            edit->setText(value);
    }

    void setModelData(QWidget *editor, QAbstractItemModel *model,
                      const QModelIndex &index) const override
    {
        if (auto *box = qobject_cast<QComboBox *>(editor))
            model->setData(index, box->currentText());
        else if (auto *edit = qobject_cast<QLineEdit *>(editor))
            model->setData(index, edit->text());
    }
};

const QList<QByteArray> kPresetHeaders = {"Accept", "Prefer", "If-Match", "If-None-Exist"};
constexpr int kFreeHeaderRows = 2;

QPlainTextEdit *codeEditor(const QString &name, const QString &accessible)
{
    auto *edit = new QPlainTextEdit;
    edit->setObjectName(name);
    edit->setAccessibleName(accessible);
    edit->setLineWrapMode(QPlainTextEdit::NoWrap);
    edit->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    edit->setTabChangesFocus(true);
    return edit;
}

} // namespace

RequestPanel::RequestPanel(std::shared_ptr<const schema::Model> model, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
    , m_validator(model ? std::make_unique<schema::Validator>(model) : nullptr)
    , m_title(new QLabel)
    , m_endpointNote(new QLabel)
    , m_tryItOut(new QPushButton(tr("Try it out")))
    , m_freeForm(new QCheckBox(tr("Free-form")))
    , m_method(new QComboBox)
    , m_url(new QLineEdit)
    , m_paste(new QLineEdit)
    , m_pasteError(new QLabel)
    , m_pathGroup(new QGroupBox(tr("Path parameters")))
    , m_pathLayout(new QFormLayout(m_pathGroup))
    , m_searchGroup(new QGroupBox(tr("Search parameters")))
    , m_searchModel(new SearchFormModel(this))
    , m_searchView(new QTableView)
    , m_headerGroup(new QGroupBox(tr("Headers")))
    , m_headers(new QTableWidget(int(kPresetHeaders.size()) + kFreeHeaderRows, 2))
    , m_bodyGroup(new QGroupBox(tr("Body")))
    , m_examplesBox(new QComboBox)
    , m_format(new QPushButton(tr("Format")))
    , m_validate(new QPushButton(tr("Validate")))
    , m_schema(new QPushButton(tr("Schema")))
    , m_body(codeEditor(u"bodyEditor"_s, tr("Request body")))
    , m_validation(new QLabel)
    , m_issueModel(new IssueModel(this))
    , m_issues(new QTableView)
    , m_secretMode(new QComboBox)
    , m_copyCurl(new QPushButton(tr("Copy")))
    , m_curl(codeEditor(u"curlPreview"_s, tr("cURL command")))
    , m_execute(new QPushButton(tr("Execute")))
    , m_cancel(new QPushButton(tr("Cancel")))
    , m_scroll(new QScrollArea)
{
    m_title->setObjectName(u"operationTitle"_s);
    m_title->setTextFormat(Qt::RichText);
    m_title->setWordWrap(true);
    m_endpointNote->setObjectName(u"endpointNote"_s);
    m_endpointNote->setWordWrap(true);
    m_tryItOut->setObjectName(u"tryItOutButton"_s);
    m_tryItOut->setCheckable(true);
    m_tryItOut->setToolTip(tr("Edit the parameters, headers and body of this request"));
    m_freeForm->setObjectName(u"freeFormToggle"_s);
    m_freeForm->setToolTip(tr("Edit the method and the URL yourself"));

    m_method->setObjectName(u"methodCombo"_s);
    m_method->setAccessibleName(tr("Method"));
    m_method->addItems({u"GET"_s, u"POST"_s, u"PUT"_s, u"PATCH"_s, u"DELETE"_s, u"HEAD"_s});
    m_url->setObjectName(u"requestUrl"_s);
    m_url->setAccessibleName(tr("Request URL"));
    m_url->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_paste->setObjectName(u"pasteCurl"_s);
    m_paste->setAccessibleName(tr("Paste a cURL command or a URL"));
    m_paste->setPlaceholderText(tr("Paste a cURL command or a URL here, then press Enter"));
    m_paste->setClearButtonEnabled(true);
    m_pasteError->setObjectName(u"pasteError"_s);
    m_pasteError->setWordWrap(true);
    m_pasteError->hide();

    auto *top = new QHBoxLayout;
    top->addWidget(m_title, 1);
    top->addWidget(m_freeForm);
    top->addWidget(m_tryItOut);
    auto *urlRow = new QHBoxLayout;
    urlRow->addWidget(m_method);
    urlRow->addWidget(m_url, 1);

    m_pathGroup->setObjectName(u"pathGroup"_s);

    m_searchGroup->setObjectName(u"searchGroup"_s);
    m_searchView->setObjectName(u"searchForm"_s);
    m_searchView->setAccessibleName(tr("Search parameters"));
    m_searchView->setModel(m_searchModel);
    m_searchView->setItemDelegate(new SearchFormDelegate(m_searchView));
    m_searchView->setEditTriggers(QAbstractItemView::AllEditTriggers);
    m_searchView->verticalHeader()->hide();
    m_searchView->verticalHeader()->setDefaultSectionSize(m_searchView->fontMetrics().height()
                                                          + 10);
    m_searchView->horizontalHeader()->setStretchLastSection(true);
    m_searchView->setColumnWidth(SearchFormModel::NameColumn, 170);
    m_searchView->setColumnWidth(SearchFormModel::ModifierColumn, 110);
    m_searchView->setColumnWidth(SearchFormModel::PrefixColumn, 60);
    m_searchView->setMinimumHeight(220);
    auto *andRow = new QPushButton(tr("Add an AND row"));
    andRow->setObjectName(u"searchAddRow"_s);
    andRow->setToolTip(tr("Repeat the selected parameter: both conditions must hold"));
    auto *clearSearch = new QPushButton(tr("Clear"));
    clearSearch->setObjectName(u"searchClear"_s);
    auto *searchButtons = new QHBoxLayout;
    searchButtons->addWidget(new QLabel(tr("Values in one row are OR'd (a,b); repeated rows are "
                                           "AND'd. Italic: not declared by the server.")),
                             1);
    searchButtons->addWidget(andRow);
    searchButtons->addWidget(clearSearch);
    auto *searchLayout = new QVBoxLayout(m_searchGroup);
    searchLayout->addWidget(m_searchView);
    searchLayout->addLayout(searchButtons);

    m_headerGroup->setObjectName(u"headerGroup"_s);
    m_headers->setObjectName(u"headersTable"_s);
    m_headers->setAccessibleName(tr("Request headers"));
    m_headers->setHorizontalHeaderLabels({tr("Header"), tr("Value")});
    m_headers->verticalHeader()->hide();
    m_headers->horizontalHeader()->setStretchLastSection(true);
    m_headers->setColumnWidth(0, 170);
    m_headers->setMinimumHeight(
        m_headers->verticalHeader()->defaultSectionSize() * (m_headers->rowCount() + 1) + 4);
    auto *headerLayout = new QVBoxLayout(m_headerGroup);
    headerLayout->addWidget(m_headers);
    fillHeaders({});

    m_bodyGroup->setObjectName(u"bodyGroup"_s);
    m_examplesBox->setObjectName(u"bodyExamples"_s);
    m_examplesBox->setAccessibleName(tr("Examples"));
    m_format->setObjectName(u"bodyFormat"_s);
    m_format->setToolTip(tr("Indent the JSON"));
    m_validate->setObjectName(u"bodyValidate"_s);
    m_validate->setToolTip(tr("Check the body against the FHIR R4 definitions"));
    m_schema->setObjectName(u"bodySchema"_s);
    m_schema->setToolTip(tr("Show the schema of this resource type"));
    m_body->setMinimumHeight(220);
    new JsonHighlighter(m_body->document());
    m_validation->setObjectName(u"validationSummary"_s);
    m_validation->setWordWrap(true);
    m_validation->hide();
    m_issues->setObjectName(u"validationIssues"_s);
    m_issues->setAccessibleName(tr("Validation issues"));
    m_issues->setModel(m_issueModel);
    m_issues->horizontalHeader()->setStretchLastSection(true);
    m_issues->setColumnWidth(IssueModel::TextColumn, 320);
    m_issues->verticalHeader()->hide();
    m_issues->setMaximumHeight(120);
    m_issues->hide();
    auto *bodyTools = new QHBoxLayout;
    bodyTools->addWidget(new QLabel(tr("Example:")));
    bodyTools->addWidget(m_examplesBox, 1);
    bodyTools->addWidget(m_format);
    bodyTools->addWidget(m_validate);
    bodyTools->addWidget(m_schema);
    auto *bodyLayout = new QVBoxLayout(m_bodyGroup);
    bodyLayout->addLayout(bodyTools);
    // The problems above the text, so both stay in view.
    bodyLayout->addWidget(m_validation);
    bodyLayout->addWidget(m_issues);
    bodyLayout->addWidget(m_body, 1);

    auto *curlGroup = new QGroupBox(tr("cURL"));
    m_secretMode->setObjectName(u"curlSecretMode"_s);
    m_secretMode->setAccessibleName(tr("How the cURL shows the API key"));
    m_secretMode->addItem(tr("Key masked"), int(app::SecretMode::Masked));
    m_secretMode->addItem(tr("Key as $FHIR_API_KEY"), int(app::SecretMode::EnvironmentVariable));
    m_secretMode->addItem(tr("Key in full"), int(app::SecretMode::Full));
    m_copyCurl->setObjectName(u"curlCopy"_s);
    m_curl->setReadOnly(true);
    m_curl->setMaximumHeight(130);
    auto *curlTools = new QHBoxLayout;
    curlTools->addWidget(m_secretMode);
    curlTools->addStretch(1);
    curlTools->addWidget(m_copyCurl);
    auto *curlLayout = new QVBoxLayout(curlGroup);
    curlLayout->addLayout(curlTools);
    curlLayout->addWidget(m_curl);

    m_execute->setObjectName(u"executeButton"_s);
    m_execute->setToolTip(tr("Send the request (Ctrl+Enter)"));
    m_execute->setDefault(true);
    m_cancel->setObjectName(u"cancelButton"_s);
    m_cancel->setEnabled(false);
    auto *actions = new QHBoxLayout;
    actions->addWidget(m_execute, 1);
    actions->addWidget(m_cancel);

    auto *content = new QWidget;
    auto *layout = new QVBoxLayout(content);
    layout->addLayout(top);
    layout->addWidget(m_endpointNote);
    layout->addLayout(urlRow);
    layout->addWidget(m_paste);
    layout->addWidget(m_pasteError);
    layout->addWidget(m_pathGroup);
    layout->addWidget(m_searchGroup);
    layout->addWidget(m_bodyGroup, 1);
    layout->addWidget(m_headerGroup);
    layout->addWidget(curlGroup);
    layout->addLayout(actions);
    m_scroll->setObjectName(u"requestScroll"_s);
    m_scroll->setWidgetResizable(true);
    m_scroll->setFrameShape(QFrame::NoFrame);
    m_scroll->setWidget(content);
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(m_scroll);

    // Tab order follows the reading order.
    setTabOrder(m_tryItOut, m_method);
    setTabOrder(m_method, m_url);
    setTabOrder(m_url, m_paste);
    setTabOrder(m_paste, m_searchView);
    setTabOrder(m_searchView, m_examplesBox);
    setTabOrder(m_examplesBox, m_body);
    setTabOrder(m_body, m_headers);
    setTabOrder(m_headers, m_secretMode);
    setTabOrder(m_secretMode, m_execute);
    setTabOrder(m_execute, m_cancel);

    for (const QKeySequence &keys :
         {QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)}) {
        auto *shortcut = new QShortcut(keys, this);
        shortcut->setContext(Qt::WidgetWithChildrenShortcut);
        connect(shortcut, &QShortcut::activated, this, &RequestPanel::execute);
    }
    connect(m_execute, &QPushButton::clicked, this, &RequestPanel::execute);
    connect(m_cancel, &QPushButton::clicked, this, &RequestPanel::cancelRequested);
    connect(m_tryItOut, &QPushButton::toggled, this, &RequestPanel::setEditable);
    connect(m_freeForm, &QCheckBox::toggled, this, &RequestPanel::setFreeForm);
    connect(m_method, &QComboBox::currentTextChanged, this, &RequestPanel::updatePreview);
    connect(m_url, &QLineEdit::textEdited, this, &RequestPanel::updatePreview);
    connect(m_paste, &QLineEdit::returnPressed, this, &RequestPanel::importPasted);
    connect(m_searchModel, &SearchFormModel::queryChanged, this, &RequestPanel::updatePreview);
    connect(andRow, &QPushButton::clicked, this, [this] {
        const QModelIndex current = m_searchView->currentIndex();
        if (current.isValid())
            m_searchView->setCurrentIndex(m_searchModel->index(
                m_searchModel->duplicateRow(current.row()), SearchFormModel::ValueColumn));
    });
    connect(clearSearch, &QPushButton::clicked, m_searchModel, &SearchFormModel::clearValues);
    connect(m_headers, &QTableWidget::itemChanged, this, &RequestPanel::updatePreview);
    connect(m_body, &QPlainTextEdit::textChanged, this, [this] {
        m_issueModel->clear();
        m_issues->hide();
        m_validation->clear();
        m_validation->hide();
        m_body->setExtraSelections({});
        updatePreview();
    });
    connect(m_examplesBox, &QComboBox::activated, this, [this](int index) {
        const int example = index - 1; // the first item is "choose"
        if (example >= 0 && example < m_examples.size())
            m_body->setPlainText(QString::fromUtf8(m_examples.at(example).json));
    });
    connect(m_format, &QPushButton::clicked, this, [this] {
        const QByteArray text = m_body->toPlainText().toUtf8();
        const auto json = nlohmann::ordered_json::parse(
            text.constData(), text.constData() + text.size(), nullptr, false);
        if (json.is_discarded())
            validateBody(); // says where the JSON breaks
        else
            m_body->setPlainText(QString::fromStdString(json.dump(2)) + u'\n');
    });
    connect(m_validate, &QPushButton::clicked, this, &RequestPanel::validateBody);
    connect(m_schema, &QPushButton::clicked, this, &RequestPanel::schemaRequested);
    connect(m_issues, &QTableView::activated, this, &RequestPanel::showIssue);
    connect(m_issues, &QTableView::clicked, this, &RequestPanel::showIssue);
    connect(m_secretMode, &QComboBox::currentIndexChanged, this, &RequestPanel::updatePreview);
    connect(m_copyCurl, &QPushButton::clicked, this,
            [this] { QGuiApplication::clipboard()->setText(curlText()); });

    setEndpoint({});
    setEditable(false);
    m_title->setText(tr("<h3>Pick an operation</h3>"));
    m_pathGroup->hide();
    m_searchGroup->hide();
    m_bodyGroup->hide();
}

RequestPanel::~RequestPanel() = default;

void RequestPanel::setEndpoint(const app::Endpoint &endpoint)
{
    m_endpoint = endpoint;
    if (!endpoint.isValid()) {
        m_endpointNote->setText(tr("⚠ No endpoint is selected, so requests cannot be sent. "
                                   "Choose a deployment or a FHIR server in the toolbar."));
    } else {
        m_endpointNote->setText(
            tr("Requests go to %1%2")
                .arg(endpoint.baseUrl.toString(),
                     endpoint.name.isEmpty() ? QString() : u" ("_s + endpoint.name + u')'));
    }
    updatePreview();
}

void RequestPanel::setResourceType(const QString &type, const QList<app::Example> &examples)
{
    m_type = type;
    m_examples = examples;
    m_searchModel->setResourceType(m_model, type);
    m_examplesBox->clear();
    m_examplesBox->addItem(tr("— choose an example —"));
    for (const app::Example &e : examples)
        m_examplesBox->addItem(e.description);
    m_hasOperation = false;
    m_title->setText(tr("<h3>Pick an operation on %1</h3>").arg(type.toHtmlEscaped()));
    m_pathGroup->hide();
    m_searchGroup->hide();
    m_bodyGroup->hide();
    updatePreview();
}

void RequestPanel::setDeclaredSearchParameters(const QStringList &codes)
{
    m_searchModel->setDeclared(codes);
}

void RequestPanel::setOperation(const Operation &operation)
{
    m_operation = operation;
    m_hasOperation = true;
    const QSignalBlocker blocker(m_freeForm);
    m_freeForm->setChecked(false);
    m_url->setReadOnly(true);
    m_method->setEnabled(false);
    m_method->setCurrentText(QString::fromLatin1(operation.method));
    const QString path = operation.kind == Operation::Kind::SearchSystem ? u"/?_type=…"_s
                                                                         : operation.displayPath();
    m_title->setText(u"<h3><span style=\"background:%1; color:%2\">&nbsp;%3&nbsp;</span>"
                     "&nbsp;<code>%4</code></h3><p>%5</p>"_s.arg(
                         methodColor(operation.method).name(),
                         operation.method == "DELETE" ? u"white"_s : u"#1b1b1b"_s,
                         QString::fromLatin1(operation.method), path.toHtmlEscaped(),
                         operation.summary.toHtmlEscaped()));
    rebuildPathFields();
    m_searchGroup->setVisible(operation.isSearch());
    const bool body = operation.takesBody();
    m_bodyGroup->setVisible(body);
    m_schema->setVisible(!operation.system);
    if (body && m_body->toPlainText().trimmed().isEmpty()
        && operation.kind == Operation::Kind::Patch)
        m_body->setPlainText(
            u"[\n  { \"op\": \"replace\", \"path\": \"/active\", \"value\": true }\n]\n"_s);
    m_tryItOut->setChecked(false);
    setEditable(false);
    updatePreview();
    m_scroll->verticalScrollBar()->setValue(0); // a new operation reads from the top
}

void RequestPanel::rebuildPathFields()
{
    while (m_pathLayout->rowCount() > 0)
        m_pathLayout->removeRow(0);
    m_pathFields.clear();
    const QStringList names = m_operation.pathParameters();
    for (const QString &name : names) {
        auto *edit = new QLineEdit;
        edit->setObjectName(u"pathParam_"_s + name);
        edit->setAccessibleName(name == u"id"_s ? tr("Resource id") : tr("Version id"));
        edit->setPlaceholderText(name == u"id"_s ? tr("the resource's logical id")
                                                 : tr("the version, e.g. 1"));
        connect(edit, &QLineEdit::textChanged, this, [this] {
            fillIfMatch();
            updatePreview();
        });
        m_pathLayout->addRow(name, edit);
        m_pathFields.insert(name, edit);
    }
    m_pathGroup->setVisible(!names.isEmpty());
}

void RequestPanel::setEditable(bool editable)
{
    const bool freeForm = m_freeForm->isChecked();
    for (QWidget *w : std::initializer_list<QWidget *>{m_pathGroup, m_searchGroup, m_headers,
                                                       m_examplesBox, m_format, m_body})
        w->setEnabled(editable || freeForm);
    if (m_tryItOut->isChecked() != editable) {
        const QSignalBlocker blocker(m_tryItOut);
        m_tryItOut->setChecked(editable);
    }
    m_tryItOut->setText(editable ? tr("Stop editing") : tr("Try it out"));
    m_execute->setEnabled((editable || freeForm) && !m_busy && m_endpoint.isValid()
                          && (m_hasOperation || freeForm));
}

void RequestPanel::setFreeForm(bool freeForm)
{
    m_url->setReadOnly(!freeForm);
    m_method->setEnabled(freeForm);
    if (freeForm) {
        m_pathGroup->hide();
        m_searchGroup->hide();
        m_bodyGroup->show();
        m_schema->hide();
        m_title->setText(tr("<h3>Free-form request</h3><p>Any method, any URL under the "
                            "endpoint or elsewhere.</p>"));
    } else if (m_hasOperation) {
        setOperation(m_operation);
        return;
    }
    setEditable(true);
    updatePreview();
}

void RequestPanel::fillHeaders(const QList<QPair<QByteArray, QByteArray>> &headers)
{
    const QSignalBlocker blocker(m_headers);
    QList<QPair<QByteArray, QByteArray>> rest = headers;
    m_headers->setRowCount(int(kPresetHeaders.size()) + kFreeHeaderRows);
    int row = 0;
    for (const QByteArray &name : kPresetHeaders) {
        QByteArray value;
        for (qsizetype i = 0; i < rest.size(); ++i) {
            if (rest.at(i).first.compare(name, Qt::CaseInsensitive) == 0) {
                value = rest.takeAt(i).second;
                break;
            }
        }
        auto *nameItem = new QTableWidgetItem(QString::fromLatin1(name));
        nameItem->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
        m_headers->setItem(row, 0, nameItem);
        m_headers->setItem(row, 1, new QTableWidgetItem(QString::fromUtf8(value)));
        ++row;
    }
    if (rest.size() > kFreeHeaderRows)
        m_headers->setRowCount(row + int(rest.size()));
    for (; row < m_headers->rowCount(); ++row) {
        const qsizetype i = row - kPresetHeaders.size();
        m_headers->setItem(row, 0,
                           new QTableWidgetItem(
                               i < rest.size() ? QString::fromUtf8(rest.at(i).first) : QString()));
        m_headers->setItem(row, 1,
                           new QTableWidgetItem(
                               i < rest.size() ? QString::fromUtf8(rest.at(i).second) : QString()));
    }
    m_headers->item(0, 1)->setToolTip(tr("Empty: application/fhir+json"));
    m_headers->item(1, 1)->setToolTip(tr("return=minimal | return=representation | "
                                         "return=OperationOutcome; handling=strict | lenient"));
    m_headers->item(2, 1)->setToolTip(tr("Filled from the last ETag seen for this resource"));
    m_headers->item(3, 1)->setToolTip(tr("Conditional create: a search, e.g. identifier=x|1"));
}

void RequestPanel::setEtagLookup(std::function<QByteArray(const QString &)> lookup)
{
    m_etagLookup = std::move(lookup);
}

void RequestPanel::fillIfMatch()
{
    const bool wantsIfMatch = m_operation.kind == Operation::Kind::Update
        || m_operation.kind == Operation::Kind::Patch
        || m_operation.kind == Operation::Kind::Delete;
    QTableWidgetItem *item = m_headers->item(2, 1);
    if (!wantsIfMatch || !m_etagLookup || item == nullptr)
        return;
    const QLineEdit *id = m_pathFields.value(u"id"_s);
    const QByteArray etag = id ? m_etagLookup(m_type + u'/' + id->text().trimmed()) : QByteArray();
    // Never overwrite what the user typed; replace only what was filled in for them.
    if (item->text().isEmpty() || item->text().toUtf8() == m_autoIfMatch) {
        m_autoIfMatch = etag;
        item->setText(QString::fromUtf8(etag));
    }
}

app::ApiRequest RequestPanel::currentRequest() const
{
    app::ApiRequest request;
    const bool freeForm = m_freeForm->isChecked();
    if (freeForm) {
        request.method = m_method->currentText().toLatin1();
        QString url = m_url->text().trimmed();
        if (!url.isEmpty() && !url.contains(u"://"_s)) {
            // Relative to the endpoint: "Patient?gender=male".
            QString base = m_endpoint.baseUrl.toString();
            while (base.endsWith(u'/'))
                base.chop(1);
            url = base + u'/' + (url.startsWith(u'/') ? url.mid(1) : url);
        }
        if (const auto parsed = app::parseCurl(url, m_endpoint); parsed) {
            request.path = parsed->path;
            request.query = parsed->query;
        } else {
            request.path = url;
        }
    } else if (m_hasOperation) {
        request.method = m_operation.method;
        QString path = m_operation.pathTemplate;
        for (auto it = m_pathFields.cbegin(); it != m_pathFields.cend(); ++it) {
            const QString value = it.value()->text().trimmed();
            if (!value.isEmpty())
                path.replace(u'{' + it.key() + u'}', value);
        }
        request.path = path;
        if (m_operation.isSearch()) {
            QList<QPair<QString, QString>> query = m_searchModel->queryItems();
            if (m_operation.kind == Operation::Kind::SearchSystem && !m_type.isEmpty())
                query.prepend({u"_type"_s, m_type});
            if (m_operation.kind == Operation::Kind::SearchPost) {
                // search.html#Introduction: POST [type]/_search with a form body.
                request.body = app::encodedQuery(query);
                request.headers.append({QByteArrayLiteral("Content-Type"),
                                        QByteArrayLiteral("application/x-www-form-urlencoded")});
            } else {
                request.query = query;
            }
        }
    } else {
        return request;
    }
    for (int row = 0; row < m_headers->rowCount(); ++row) {
        const QTableWidgetItem *name = m_headers->item(row, 0);
        const QTableWidgetItem *value = m_headers->item(row, 1);
        if (name && value && !name->text().trimmed().isEmpty()
            && !value->text().trimmed().isEmpty())
            request.headers.append(
                {name->text().trimmed().toUtf8(), value->text().trimmed().toUtf8()});
    }
    if (freeForm || m_operation.takesBody()) {
        const QString body = m_body->toPlainText();
        if (!body.trimmed().isEmpty())
            request.body = body.toUtf8();
        if (m_operation.kind == Operation::Kind::Patch && !freeForm && !request.body.isEmpty())
            request.headers.append({QByteArrayLiteral("Content-Type"),
                                    QByteArrayLiteral("application/json-patch+json")});
    }
    return request;
}

app::SecretMode RequestPanel::secretMode() const
{
    return app::SecretMode(m_secretMode->currentData().toInt());
}

QString RequestPanel::curlText() const
{
    return m_curl->toPlainText();
}

void RequestPanel::updatePreview()
{
    if (!m_hasOperation && !m_freeForm->isChecked()) {
        m_url->clear();
        m_curl->clear();
        return;
    }
    const app::ApiRequest request = currentRequest();
    const app::Endpoint shown = m_endpoint.isValid()
        ? m_endpoint
        : app::Endpoint{QString(), QString(), QUrl(u"http://FHIR-BASE-URL"_s), {}, {}, false};
    if (!m_freeForm->isChecked()) {
        const QString url = app::requestUrl(request, shown).toString(QUrl::FullyEncoded);
        if (m_url->text() != url)
            m_url->setText(url);
    }
    m_curl->setPlainText(app::toCurl(request, shown, secretMode()));
}

void RequestPanel::openRequest(const app::ApiRequest &request)
{
    {
        const QSignalBlocker blocker(m_freeForm);
        m_freeForm->setChecked(true);
    }
    m_method->setCurrentText(QString::fromLatin1(request.method));
    app::ApiRequest addressOnly = request;
    addressOnly.headers.clear();
    addressOnly.body.clear();
    m_url->setText(m_endpoint.isValid()
                       ? app::requestUrl(addressOnly, m_endpoint).toString(QUrl::FullyEncoded)
                       : request.path);
    fillHeaders(request.headers);
    {
        const QSignalBlocker blocker(m_body);
        m_body->setPlainText(QString::fromUtf8(request.body));
    }
    setFreeForm(true);
}

void RequestPanel::importPasted()
{
    const auto parsed = app::parseCurl(m_paste->text(), m_endpoint);
    if (!parsed) {
        m_pasteError->setText(tr("Could not read it: %1").arg(parsed.error()));
        m_pasteError->show();
        return;
    }
    m_pasteError->hide();
    m_paste->clear();
    openRequest(*parsed);
}

void RequestPanel::setBusy(bool busy)
{
    m_busy = busy;
    m_cancel->setEnabled(busy);
    setEditable(m_tryItOut->isChecked());
}

void RequestPanel::execute()
{
    if (m_busy || !m_execute->isEnabled())
        return;
    Q_EMIT executeRequested(currentRequest());
}

bool RequestPanel::validateBody()
{
    const QString text = m_body->toPlainText();
    const QByteArray bytes = text.toUtf8();
    QList<schema::ValidationIssue> issues;
    try {
        const auto json
            = nlohmann::json::parse(bytes.constData(), bytes.constData() + bytes.size());
        if (m_validator) {
            const QString expected = m_operation.kind == Operation::Kind::Batch ? u"Bundle"_s
                : (m_operation.kind == Operation::Kind::Create
                   || m_operation.kind == Operation::Kind::Update)
                ? m_type
                : QString();
            issues = m_validator->validate(json, expected);
        }
    } catch (const nlohmann::json::parse_error &e) {
        // Where the JSON breaks: the parser's byte offset, as a character position.
        const qsizetype at = QString::fromUtf8(bytes.left(qsizetype(e.byte) - 1)).size();
        QTextCursor cursor = m_body->textCursor();
        cursor.setPosition(int(qBound(qsizetype(0), at, text.size())));
        m_body->setTextCursor(cursor);
        m_validation->setText(tr("✗ The body is not JSON: %1").arg(QString::fromUtf8(e.what())));
        m_validation->show();
        m_issueModel->clear();
        m_issues->hide();
        return false;
    }
    m_issueModel->setValidationIssues(issues);
    m_issues->setVisible(!issues.isEmpty());
    m_validation->setText(issues.isEmpty() ? tr("✓ Valid against the FHIR R4 definitions")
                                           : tr("✗ %n problem(s); select one to see where", nullptr,
                                                int(issues.size())));
    m_validation->show();
    markIssues();
    m_scroll->ensureWidgetVisible(m_validation, 10, 40);
    return issues.isEmpty();
}

void RequestPanel::markIssues()
{
    QList<QTextEdit::ExtraSelection> marks;
    const QString text = m_body->toPlainText();
    for (const IssueModel::Issue &issue : m_issueModel->issues()) {
        for (const QString &where : issue.expressions) {
            const app::JsonSpan span = app::locateJsonPath(text, where);
            if (!span.isValid())
                continue;
            QTextEdit::ExtraSelection mark;
            mark.cursor = QTextCursor(m_body->document());
            mark.cursor.setPosition(int(span.start));
            // The element's first line: its key and the start of its value.
            const qsizetype lineEnd = text.indexOf(u'\n', span.start);
            mark.cursor.setPosition(int(lineEnd < 0 ? span.end : qMin(span.end, lineEnd)),
                                    QTextCursor::KeepAnchor);
            mark.format.setUnderlineStyle(QTextCharFormat::WaveUnderline);
            mark.format.setUnderlineColor(Qt::red);
            mark.format.setBackground(QColor(255, 0, 0, 50)); // translucent: any theme
            marks.append(mark);
        }
    }
    m_body->setExtraSelections(marks);
}

bool RequestPanel::showElement(const QString &expression, const QByteArray &sentBody, bool focus)
{
    const QString text = m_body->toPlainText();
    if (!m_bodyGroup->isVisibleTo(this) || text.toUtf8() != sentBody)
        return false;
    const app::JsonSpan span = app::locateJsonPath(text, expression);
    if (!span.isValid())
        return false;
    QTextCursor cursor(m_body->document());
    cursor.setPosition(int(span.start));
    cursor.setPosition(int(span.end), QTextCursor::KeepAnchor);
    m_body->setTextCursor(cursor);
    // A mark that stays when the focus leaves the editor (a selection then fades).
    QTextEdit::ExtraSelection mark;
    mark.cursor = cursor;
    mark.format.setUnderlineStyle(QTextCharFormat::WaveUnderline);
    mark.format.setUnderlineColor(Qt::red);
    mark.format.setBackground(QColor(255, 0, 0, 60)); // translucent: any theme
    m_body->setExtraSelections({mark});
    m_scroll->ensureWidgetVisible(m_body, 10, 40);
    m_body->ensureCursorVisible();
    if (focus)
        m_body->setFocus();
    return true;
}

void RequestPanel::showIssue(const QModelIndex &index)
{
    const QString where = index.data(IssueModel::ExpressionRole).toString();
    const app::JsonSpan span = app::locateJsonPath(m_body->toPlainText(), where);
    if (!span.isValid())
        return;
    QTextCursor cursor = m_body->textCursor();
    cursor.setPosition(int(span.start));
    cursor.setPosition(int(span.end), QTextCursor::KeepAnchor);
    m_body->setTextCursor(cursor);
    m_body->setFocus();
}

} // namespace fhir::ui

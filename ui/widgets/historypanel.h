#pragma once

#include "app/apirequest.h"

#include <QWidget>

class QTreeView;
class QPushButton;

namespace fhir::app {
class RequestHistory;
}

namespace fhir::ui {

class RequestHistoryModel;

/// The current deployment's executed requests, newest first. Double-click or Enter on a row
/// emits reopen() with the request (credentials were never kept).
class HistoryPanel : public QWidget
{
    Q_OBJECT

public:
    explicit HistoryPanel(app::RequestHistory *history, QWidget *parent = nullptr);

    void setDeploymentId(const QString &deploymentId);
    RequestHistoryModel *model() const { return m_model; }

Q_SIGNALS:
    void reopen(const fhir::app::ApiRequest &request);

private:
    app::RequestHistory *m_history; // not owned
    RequestHistoryModel *m_model; // owned by this
    QTreeView *m_view; // owned by the widget tree
    QPushButton *m_clear;
};

} // namespace fhir::ui

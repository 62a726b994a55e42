#pragma once

#include "app/examplelibrary.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QPlainTextEdit;

namespace fhir::ui {

/// The examples of one resource type: a drop-down of the curated and generated ones, and the
/// chosen example's JSON.
class ExamplePanel : public QWidget
{
    Q_OBJECT

public:
    explicit ExamplePanel(QWidget *parent = nullptr);

    void setExamples(const QList<app::Example> &examples);
    /// The JSON shown now (empty when there is no example).
    QByteArray currentJson() const;

private:
    void showExample(int index);

    QList<app::Example> m_examples;
    QComboBox *m_chooser; // owned by the widget tree
    QLabel *m_note;
    QPlainTextEdit *m_view;
};

} // namespace fhir::ui

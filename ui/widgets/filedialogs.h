#pragma once

#include <QString>

#include <functional>

class QWidget;

namespace fhir::ui {

/// Asks where to save a file (QFileDialog). Tests answer instead of a person through
/// setSaveFileNameAnswer(); an empty answer means the user cancelled.
QString askSaveFileName(QWidget *parent, const QString &title, const QString &suggestedName,
                        const QString &filter);
/// Replaces the dialog (tests); an empty function restores it.
void setSaveFileNameAnswer(std::function<QString(const QString &suggestedName)> answer);

/// Writes `bytes` to `path` atomically; an empty string on success, else why it failed.
QString writeFile(const QString &path, const QByteArray &bytes);

} // namespace fhir::ui

#pragma once

#include <QString>
#include <QStringList>

#include <functional>

class QWidget;

namespace fhir::ui {

/// Asks where to save a file (QFileDialog). Tests answer instead of a person through
/// setSaveFileNameAnswer(); an empty answer means the user cancelled.
QString askSaveFileName(QWidget *parent, const QString &title, const QString &suggestedName,
                        const QString &filter);
/// Replaces the dialog (tests); an empty function restores it.
void setSaveFileNameAnswer(std::function<QString(const QString &suggestedName)> answer);

/// Asks for files to open (QFileDialog). Tests answer through setOpenFileNamesAnswer(); an
/// empty list means the user cancelled.
QStringList askOpenFileNames(QWidget *parent, const QString &title, const QString &filter);
/// Replaces the dialog (tests); an empty function restores it.
void setOpenFileNamesAnswer(std::function<QStringList()> answer);

/// Writes `bytes` to `path` atomically; an empty string on success, else why it failed.
QString writeFile(const QString &path, const QByteArray &bytes);

} // namespace fhir::ui

#include "filedialogs.h"

#include <QDir>
#include <QFileDialog>
#include <QSaveFile>
#include <QStandardPaths>

namespace fhir::ui {

namespace {
std::function<QString(const QString &)> &answer()
{
    static std::function<QString(const QString &)> function;
    return function;
}

std::function<QStringList()> &openAnswer()
{
    static std::function<QStringList()> function;
    return function;
}
} // namespace

QString askSaveFileName(QWidget *parent, const QString &title, const QString &suggestedName,
                        const QString &filter)
{
    if (answer())
        return answer()(suggestedName);
    const QString folder = QStandardPaths::writableLocation(QStandardPaths::DownloadLocation);
    return QFileDialog::getSaveFileName(parent, title, QDir(folder).filePath(suggestedName),
                                        filter);
}

void setSaveFileNameAnswer(std::function<QString(const QString &)> function)
{
    answer() = std::move(function);
}

QStringList askOpenFileNames(QWidget *parent, const QString &title, const QString &filter)
{
    if (openAnswer())
        return openAnswer()();
    const QString folder = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    return QFileDialog::getOpenFileNames(parent, title, folder, filter);
}

void setOpenFileNamesAnswer(std::function<QStringList()> function)
{
    openAnswer() = std::move(function);
}

QString writeFile(const QString &path, const QByteArray &bytes)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return file.errorString();
    file.write(bytes);
    if (!file.commit())
        return file.errorString();
    return {};
}

} // namespace fhir::ui

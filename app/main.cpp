// fhir-portal: the desktop app by default; a few commands work in a terminal.

#include "app/commandline.h"
#include "app/schemadescription.h"
#include "schemas/model.h"
#include "ui/widgets/mainwindow.h"

#include <QApplication>
#include <QIcon>

#include <cstdio>

using namespace fhir;

namespace {

void print(FILE *stream, const QString &text)
{
    std::fputs(text.toLocal8Bit().constData(), stream);
    std::fflush(stream);
}

bool hasDisplay()
{
    return !qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")
        || !qEnvironmentVariableIsEmpty("DISPLAY")
        || !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY");
}

int runTerminalCommand(int argc, char **argv, const app::Invocation &invocation)
{
    QCoreApplication application(argc, argv);
    switch (invocation.mode) {
    case app::Invocation::Mode::Help:
        print(stdout, app::usageText());
        return 0;
    case app::Invocation::Mode::Invalid:
        print(stderr, invocation.error + QLatin1String("\n\n") + app::usageText());
        return 2;
    case app::Invocation::Mode::Version: {
        QString text = QStringLiteral("fhir-portal " FHIR_PORTAL_VERSION "\n");
        if (auto model = schema::Model::loadDefault(); model)
            text += QStringLiteral("FHIR %1 definitions from %2\n")
                        .arg((*model)->fhirVersion(), (*model)->source());
        print(stdout, text);
        return 0;
    }
    case app::Invocation::Mode::Schema: {
        auto model = schema::Model::loadDefault();
        if (!model) {
            print(stderr, model.error() + QLatin1Char('\n'));
            return 1;
        }
        const auto text = app::describeElement(**model, invocation.arguments.first());
        if (!text) {
            print(stderr, text.error() + QLatin1Char('\n'));
            return 1;
        }
        print(stdout, *text);
        return 0;
    }
    case app::Invocation::Mode::Gui:
        break;
    }
    return 2;
}

} // namespace

int main(int argc, char **argv)
{
    QStringList arguments;
    for (int i = 1; i < argc; ++i)
        arguments.append(QString::fromLocal8Bit(argv[i]));
    const app::Invocation invocation = app::parseCommandLine(arguments);
    if (invocation.mode != app::Invocation::Mode::Gui)
        return runTerminalCommand(argc, argv, invocation);

    if (!hasDisplay()) {
        print(
            stderr,
            QStringLiteral(
                "fhir-portal: no display found (neither DISPLAY nor WAYLAND_DISPLAY is set).\n"
                "FHIR Portal is a desktop app. On a machine without a screen, run it on a\n"
                "virtual display:   xvfb-run -a fhir-portal\n"
                "or without any display: QT_QPA_PLATFORM=offscreen fhir-portal\n"
                "From a terminal you can also read the FHIR model: fhir-portal schema Patient\n"));
        return 2;
    }

    QApplication application(argc, argv);
    QApplication::setApplicationName(QStringLiteral("FHIR Portal"));
    QApplication::setApplicationVersion(QStringLiteral(FHIR_PORTAL_VERSION));
    QApplication::setDesktopFileName(QStringLiteral(FHIR_PORTAL_APP_ID));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/fhir-portal.svg")));

    auto model = schema::Model::loadDefault();
    ui::MainWindow window(model ? *model : nullptr, model.error());
    window.show();
    return application.exec();
}

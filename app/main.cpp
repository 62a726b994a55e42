// fhir-portal: the desktop app by default; a few commands work in a terminal, among them
// `serve`, the embedded FHIR server without a window.

#include "app/commandline.h"
#include "app/schemadescription.h"
#include "app/terminalcommands.h"
#include "schemas/fhirpath/fhirpath.h"
#include "schemas/model.h"
#include "ui/widgets/deploymentscontroller.h"
#include "ui/widgets/mainwindow.h"

#include <QApplication>
#include <QFile>
#include <QIcon>

#include <cstdio>

using namespace fhir;

namespace {

void print(FILE *stream, const QString &text)
{
    std::fputs(text.toLocal8Bit().constData(), stream);
    std::fflush(stream);
}

// `fhirpath EXPR FILE [--json]`: 0 on success, 1 on a syntax, file or evaluation error.
int runFhirPath(const app::Invocation &invocation)
{
    const QString &text = invocation.arguments.at(0);
    const QString &path = invocation.arguments.at(1);
    auto expression = fhirpath::Expression::parse(text);
    if (!expression) {
        print(stderr, QStringLiteral("syntax error at %1\n").arg(expression.error()));
        return 1;
    }
    QFile file;
    const bool opened = path == QLatin1String("-")
        ? file.open(stdin, QIODevice::ReadOnly)
        : (file.setFileName(path), file.open(QIODevice::ReadOnly));
    if (!opened) {
        print(stderr, QStringLiteral("cannot read %1: %2\n").arg(path, file.errorString()));
        return 1;
    }
    const QByteArray bytes = file.readAll();
    const nlohmann::json resource = nlohmann::json::parse(
        bytes.constData(), bytes.constData() + bytes.size(), nullptr, false);
    if (resource.is_discarded()) {
        print(stderr, QStringLiteral("%1 is not valid JSON\n").arg(path));
        return 1;
    }
    fhirpath::Environment env;
    if (auto model = schema::Model::loadDefault(); model)
        env.model = *model;
    else // still useful: plain JSON navigation
        print(stderr, QStringLiteral("warning: %1; FHIR types are unknown\n").arg(model.error()));
    const auto result = expression->evaluate(resource, env);
    if (!result) {
        print(stderr, QStringLiteral("evaluation error at %1\n").arg(result.error()));
        return 1;
    }
    if (invocation.json) {
        nlohmann::json array = nlohmann::json::array();
        for (const fhirpath::Item &item : *result)
            array.push_back(item.toJson());
        print(stdout, QString::fromStdString(array.dump(2)) + QLatin1Char('\n'));
    } else {
        QString out;
        for (const fhirpath::Item &item : *result)
            out += item.toDisplayString() + QLatin1Char('\n');
        print(stdout, out);
    }
    return 0;
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
    // The same name as the window's, so that `serve` finds the app's data folder.
    QCoreApplication::setApplicationName(QStringLiteral("FHIR Portal"));
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
    case app::Invocation::Mode::FhirPath:
        return runFhirPath(invocation);
    case app::Invocation::Mode::Serve:
        return app::runServe(invocation);
    case app::Invocation::Mode::Import:
        return app::runImport(invocation);
    case app::Invocation::Mode::Auth:
        return app::runAuth(invocation);
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
    if (model) {
        // Owned by the window; stops the embedded servers before the window's widgets go.
        auto *deployments = new ui::DeploymentsController(*model, {}, &window);
        deployments->placeIn(&window);
        window.show();
        deployments->initialize(); // a first start makes "Local" with 100 patients
    } else {
        window.show();
    }
    return application.exec();
}

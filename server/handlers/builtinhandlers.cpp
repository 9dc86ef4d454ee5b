#include "builtinhandlers.h"

#include "delivery/deliveryservice.h"
#include "handlers/computehandler.h"
#include "handlers/echohandler.h"
#include "handlers/exechandler.h"
#include "handlers/failhandler.h"
#include "handlers/httphandler.h"
#include "handlers/sleephandler.h"

// One line per job type.
void registerBuiltinHandlers(
    HandlerRegistry& registry, const HandlerOptions& options, std::shared_ptr<const DeliverySettings> delivery)
{
    registry.add<EchoHandler>(QStringLiteral("echo"));
    registry.add<SleepHandler>(QStringLiteral("sleep"));
    registry.add<FailHandler>(QStringLiteral("fail"));
    registry.add<ComputeHandler>(QStringLiteral("compute"));
    registry.add<ExecHandler>(QStringLiteral("exec"), options.allowExec);
    registry.add<HttpHandler>(QStringLiteral("http"), std::make_shared<DeliveryService>(delivery), delivery);
}

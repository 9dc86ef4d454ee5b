#pragma once

#include "handlerregistry.h"

#include <memory>

class DeliverySettings;

// The types every QueueLab has: echo, sleep, fail, compute, http (and exec when allowed). The
// http type reads `delivery` for every job, so that a change applies to the next delivery.
void registerBuiltinHandlers(
    HandlerRegistry& registry, const HandlerOptions& options, std::shared_ptr<const DeliverySettings> delivery);

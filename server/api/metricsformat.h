#pragma once

#include "engine.h"

#include <QByteArray>

// The engine's figures in the Prometheus text exposition format (version 0.0.4).
QByteArray engineMetricsText(const Engine& engine);

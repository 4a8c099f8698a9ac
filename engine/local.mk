# SPDX-License-Identifier: Apache-2.0
libberth_engine_a_SOURCES += \
	engine/engine.c engine/engine.h

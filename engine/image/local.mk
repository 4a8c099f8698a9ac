# SPDX-License-Identifier: Apache-2.0
# engine/image: pull, push, save/load, import, history, prune on top of the
# store and the registry client.
libberth_engine_a_SOURCES += \
	engine/image/image.c engine/image/image.h engine/image/image_internal.h \
	engine/image/image_layer.c \
	engine/image/import.c engine/image/load.c \
	engine/image/pull.c engine/image/push.c engine/image/save.c

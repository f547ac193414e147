#include "widget.h"

int main()
{
	return widget_refill() ? 0 : 1;
}

"""The ECS OpenAPI layer: parameters in, JSON body or API error out."""

from .dispatch import ACTIONS, ApiCall, EcsApi
from .wire import ApiRequest, ApiResponse

__all__ = ["ACTIONS", "ApiCall", "ApiRequest", "ApiResponse", "EcsApi"]
